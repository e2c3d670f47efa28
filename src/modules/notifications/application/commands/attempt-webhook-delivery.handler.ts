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
import { DeliveryStore, type DeliveryKey, type LockedDelivery } from '../ports/delivery-store';
import { EndpointStore } from '../ports/endpoint-store';
import { NotificationMetrics } from '../ports/notification-metrics';
import { WebhookDeliveryJobs } from '../ports/webhook-delivery-jobs';
import { WebhookTargetResolver } from '../ports/webhook-target-resolver';
import { WebhookTransport, type PostOutcome } from '../ports/webhook-transport';

export type AttemptOutcome =
  /** No such row yet: the transaction recording it has not committed. */
  | 'not-visible'
  /** No such row any more (deleted with its endpoint), or ever (its transaction rolled back). */
  | 'gone'
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
    readonly delivery: DeliveryKey,
    readonly dispatch: number,
    /** The transaction recording the delivery, when the job was scheduled by it. */
    readonly insertedBy?: string,
  ) {
    super();
  }
}

/**
 * One attempt, in three steps so that no lock is held across the network: under the
 * sequence lock, check the job is current and nothing earlier is unfinished (else park);
 * check the target again and POST; under the lock again, record the outcome, then retry
 * or release the next delivery of the sequence.
 */
@CommandHandler(AttemptWebhookDelivery)
export class AttemptWebhookDeliveryHandler implements ICommandHandler<AttemptWebhookDelivery> {
  private readonly logger = new Logger('Notifications');

  constructor(
    private readonly dataSource: DataSource,
    private readonly resolver: WebhookTargetResolver,
    private readonly transport: WebhookTransport,
    private readonly jobs: WebhookDeliveryJobs,
    private readonly deliveries: DeliveryStore,
    private readonly endpoints: EndpointStore,
    private readonly metrics: NotificationMetrics,
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
    const delivery = await this.found(manager, command);
    if (typeof delivery === 'string') return delivery;
    if (delivery.status !== 'pending' || delivery.dispatch !== command.dispatch) return 'stale';
    if (!mayAttempt(delivery, await this.deliveries.unfinished(manager, delivery))) {
      await this.deliveries.park(manager, delivery);
      return 'waiting';
    }
    if (delivery.endpoint.status === 'disabled') {
      await this.deliveries.failWithoutAttempt(manager, delivery, 'endpoint disabled: not attempted');
      this.metrics.webhookAttempt('failed');
      await this.releaseNext(manager, delivery);
      return 'failed';
    }
    return delivery;
  }

  /**
   * The locked delivery, or why there is none. Only a job scheduled by the transaction recording
   * the row can run before the row is visible; once that transaction has ended, a fresh look tells
   * whether it committed.
   */
  private async found(
    manager: EntityManager,
    command: AttemptWebhookDelivery,
  ): Promise<LockedDelivery | 'not-visible' | 'gone'> {
    const delivery = await this.deliveries.lock(manager, command.delivery);
    if (delivery) return delivery;
    if (command.insertedBy === undefined) return 'gone';
    if (!(await this.deliveries.transactionEnded(manager, command.insertedBy))) return 'not-visible';
    return (await this.deliveries.lock(manager, command.delivery)) ?? 'gone';
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
    // The locked row's own time: an older job may not have carried it.
    const delivery = await this.deliveries.lock(manager, attempted, attempted);
    if (!delivery) return 'gone'; // deleted with its endpoint while the POST ran
    if (delivery.dispatch !== command.dispatch || delivery.status !== 'pending') return 'superseded';
    await this.updateFailureRun(manager, delivery.endpointId, outcome.ok);
    const attempt = { statusCode: outcome.statusCode, error: outcome.ok ? null : outcome.error };
    if (outcome.ok) {
      await this.deliveries.recordAttempt(manager, delivery, { status: 'delivered', ...attempt });
      this.metrics.webhookAttempt('delivered');
      await this.releaseNext(manager, delivery);
      return 'delivered';
    }
    const next = afterFailedAttempt(
      delivery.attempts + 1,
      { maxAttempts: this.settings.webhookMaxAttempts, baseDelayMs: this.settings.webhookRetryBaseDelayMs },
      Math.random(),
    );
    if (next.kind === 'retry') {
      await this.deliveries.recordAttempt(manager, delivery, { status: 'pending', ...attempt });
      const dispatch = await this.deliveries.redispatch(manager, delivery, next.delayMs);
      await this.jobs.schedule([{ delivery, dispatch, delayMs: next.delayMs }]);
      this.metrics.webhookAttempt('retrying');
      return 'retrying';
    }
    await this.deliveries.recordAttempt(manager, delivery, { status: 'failed', ...attempt });
    this.metrics.webhookAttempt('failed');
    this.logger.warn(
      `webhook delivery ${delivery.id} (${delivery.eventType} ${delivery.eventId}) failed for good: ${outcome.error}`,
    );
    await this.releaseNext(manager, delivery);
    return 'failed';
  }

  private async updateFailureRun(manager: EntityManager, endpointId: string, succeeded: boolean): Promise<void> {
    const run = await this.endpoints.lockFailureRun(manager, endpointId);
    if (!run) return;
    const next = afterAttempt(run, succeeded, this.settings.webhookDisableAfterFailures);
    if (next.consecutiveFailures === run.consecutiveFailures && next.status === run.status) return;
    await this.endpoints.saveFailureRun(manager, endpointId, next);
    if (run.status === 'active' && next.status === 'disabled') {
      this.metrics.endpointDisabled();
      this.logger.warn(
        `webhook endpoint ${endpointId} disabled after ${next.consecutiveFailures} failed attempts in a row`,
      );
    }
  }

  /** The delivery finished: the earliest unfinished one of its sequence may go (when it is due). */
  private async releaseNext(manager: EntityManager, finished: LockedDelivery): Promise<void> {
    const next = nextInLine(await this.deliveries.unfinished(manager, finished));
    if (!next) return;
    const delayMs = next.nextAttemptAt ? Math.max(0, next.nextAttemptAt.getTime() - Date.now()) : 0;
    const dispatch = await this.deliveries.redispatch(manager, next, delayMs);
    await this.jobs.schedule([{ delivery: next, dispatch, delayMs }]);
  }
}
