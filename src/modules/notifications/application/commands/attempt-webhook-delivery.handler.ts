import { Inject, Logger } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource, type EntityManager } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { NotificationsSettings } from '../../notifications.settings';
import { mayAttempt, nextInLine } from '../../domain/delivery-sequence';
import { afterFailedAttempt } from '../../domain/retry-schedule';
import { afterAttempt } from '../../domain/webhook-endpoint';
import { signatureHeader } from '../../domain/webhook-signature';
import { WebhookUrl } from '../../domain/webhook-target';
import {
  failWithoutAttempt,
  lockDelivery,
  lockFailureRun,
  lockSequence,
  park,
  recordAttempt,
  redispatch,
  saveFailureRun,
  sequenceOf,
  unfinishedInSequence,
  type LockedDelivery,
} from '../../infrastructure/delivery-store';
import { notificationMetrics } from '../../infrastructure/notification-metrics';
import { WebhookDeliveryJobs } from '../../infrastructure/webhook-delivery-jobs';
import { WebhookTargetResolver } from '../../infrastructure/webhook-target-resolver';
import { WebhookTransport, type PostOutcome } from '../../infrastructure/webhook-transport';

export type AttemptOutcome =
  /** No such row yet (its transaction has not committed) or any more (its endpoint was deleted). */
  | 'not-visible'
  /** The job is older than the delivery's latest dispatch, or the delivery is finished. */
  | 'stale'
  /** An earlier delivery of the same (endpoint, order) is unfinished: that one releases this one. */
  | 'waiting'
  | 'delivered'
  | 'retrying'
  | 'failed'
  /** Redelivered while this attempt ran: the new run decides. */
  | 'superseded';

export class AttemptWebhookDelivery extends Command<AttemptOutcome> {
  constructor(
    readonly deliveryId: string,
    readonly dispatch: number,
  ) {
    super();
  }
}

/**
 * One attempt of a webhook delivery, in three steps so that no lock is held across the
 * network: (1) under the sequence lock, check the job is current and no earlier delivery
 * of the same (endpoint, order) is unfinished (otherwise park: that one releases this
 * one when it finishes); (2) check the target again (DNS may have changed) and POST the
 * signed body to the checked addresses; (3) under the sequence lock again, record the
 * outcome, update the endpoint's failure run, then schedule the retry, or release the
 * next delivery of the sequence once this one is finished.
 */
@CommandHandler(AttemptWebhookDelivery)
export class AttemptWebhookDeliveryHandler implements ICommandHandler<AttemptWebhookDelivery> {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: WebhookTargetResolver,
    private readonly transport: WebhookTransport,
    private readonly jobs: WebhookDeliveryJobs,
    @Inject(SETTINGS) private readonly settings: NotificationsSettings,
  ) {}

  async execute(command: AttemptWebhookDelivery): Promise<AttemptOutcome> {
    const plan = await this.dataSource.transaction((manager) => this.mayGo(manager, command));
    if (typeof plan === 'string') return plan;
    const outcome = await this.post(plan);
    return this.dataSource.transaction((manager) => this.record(manager, command, plan, outcome));
  }

  private async mayGo(
    manager: EntityManager,
    command: AttemptWebhookDelivery,
  ): Promise<AttemptOutcome | LockedDelivery> {
    const sequence = await sequenceOf(manager, command.deliveryId);
    if (!sequence) return 'not-visible';
    await lockSequence(manager, sequence.endpointId, sequence.sequenceKey);
    const delivery = await lockDelivery(manager, command.deliveryId);
    if (!delivery) return 'not-visible';
    if (delivery.status !== 'pending' || delivery.dispatch !== command.dispatch) return 'stale';
    const unfinished = await unfinishedInSequence(manager, delivery.endpointId, delivery.sequenceKey);
    if (!mayAttempt(delivery, unfinished)) {
      await park(manager, delivery.id);
      return 'waiting';
    }
    if (delivery.endpoint.status === 'disabled') {
      await failWithoutAttempt(manager, delivery.id, 'endpoint disabled: not attempted');
      notificationMetrics.webhookDeliveries.inc({ outcome: 'failed' });
      await this.releaseNext(manager, delivery);
      return 'failed';
    }
    return delivery;
  }

  private async post(delivery: LockedDelivery): Promise<PostOutcome> {
    const url = WebhookUrl.parse(delivery.endpoint.url);
    const target = await this.resolver.resolve(url);
    if (!target.ok) return { ok: false, statusCode: null, error: `target refused: ${target.error}` };
    return this.transport.post({
      url: url.href,
      addresses: target.addresses,
      body: delivery.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tessera-Webhooks/1',
        'tessera-signature': signatureHeader(delivery.endpoint.secret, delivery.body, Math.floor(Date.now() / 1000)),
        'tessera-event-id': delivery.eventId,
        'tessera-event-type': delivery.eventType,
      },
    });
  }

  private async record(
    manager: EntityManager,
    command: AttemptWebhookDelivery,
    attempted: LockedDelivery,
    outcome: PostOutcome,
  ): Promise<AttemptOutcome> {
    await lockSequence(manager, attempted.endpointId, attempted.sequenceKey);
    const delivery = await lockDelivery(manager, command.deliveryId);
    if (!delivery) return 'not-visible';
    if (delivery.dispatch !== command.dispatch || delivery.status !== 'pending') return 'superseded';
    await this.updateFailureRun(manager, delivery.endpointId, outcome.ok);
    if (outcome.ok) {
      await recordAttempt(manager, delivery.id, { status: 'delivered', statusCode: outcome.statusCode, error: null });
      notificationMetrics.webhookDeliveries.inc({ outcome: 'delivered' });
      await this.releaseNext(manager, delivery);
      return 'delivered';
    }
    const next = afterFailedAttempt(
      delivery.attempts + 1,
      { maxAttempts: this.settings.webhookMaxAttempts, baseDelayMs: this.settings.webhookRetryBaseDelayMs },
      Math.random(),
    );
    const failure = { statusCode: outcome.statusCode, error: outcome.error };
    if (next.kind === 'retry') {
      await recordAttempt(manager, delivery.id, { status: 'pending', ...failure });
      const dispatch = await redispatch(manager, delivery.id, next.delayMs);
      await this.jobs.schedule([{ deliveryId: delivery.id, dispatch, delayMs: next.delayMs }]);
      notificationMetrics.webhookDeliveries.inc({ outcome: 'retrying' });
      return 'retrying';
    }
    await recordAttempt(manager, delivery.id, { status: 'failed', ...failure });
    notificationMetrics.webhookDeliveries.inc({ outcome: 'failed' });
    this.logger.warn(
      `webhook delivery ${delivery.id} (${delivery.eventType} ${delivery.eventId}) failed for good: ${outcome.error}`,
    );
    await this.releaseNext(manager, delivery);
    return 'failed';
  }

  private async updateFailureRun(manager: EntityManager, endpointId: string, succeeded: boolean): Promise<void> {
    const run = await lockFailureRun(manager, endpointId);
    if (!run) return;
    const next = afterAttempt(run, succeeded, this.settings.webhookDisableAfterFailures);
    if (next.consecutiveFailures === run.consecutiveFailures && next.status === run.status) return;
    await saveFailureRun(manager, endpointId, next);
    if (run.status === 'active' && next.status === 'disabled') {
      notificationMetrics.endpointsDisabled.inc();
      this.logger.warn(
        `webhook endpoint ${endpointId} disabled after ${next.consecutiveFailures} failed attempts in a row`,
      );
    }
  }

  /** The delivery finished: the earliest unfinished one of its sequence may go (when it is due). */
  private async releaseNext(manager: EntityManager, finished: LockedDelivery): Promise<void> {
    const next = nextInLine(await unfinishedInSequence(manager, finished.endpointId, finished.sequenceKey));
    if (!next) return;
    const delayMs = next.nextAttemptAt ? Math.max(0, next.nextAttemptAt.getTime() - Date.now()) : 0;
    const dispatch = await redispatch(manager, next.id, delayMs);
    await this.jobs.schedule([{ deliveryId: next.id, dispatch, delayMs }]);
  }
}
