import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { DataSource } from 'typeorm';
import { eventKey, type EventEnvelope } from '#libs/contracts';
import type { Settings } from '#libs/config';
import type { ModuleManifest } from '#libs/modularity';
import { runInMessageContext } from '#libs/observability';
import { bullConnection, type QueueBackend } from '../queue-backend';
import type { QueueWorkers } from '../queue-workers';
import { eventMetrics } from './event-metrics';
import type { IntegrationEventHandler } from './on-integration-event.decorator';
import { inboxQueueName, type Subscription, type SubscriptionTable } from './subscription-table';

/**
 * Consumes one module's inbox queue (role `worker`). The handler's effect and the inbox
 * record of the event id commit in one transaction: a redelivered or concurrently
 * duplicated event finds its id taken and is acknowledged with no second effect. A payload
 * that breaks its contract fails without retries (straight to dead letters); other failures
 * retry with exponential backoff and jitter until EVENT_MAX_ATTEMPTS.
 */
export class InboxConsumer implements OnApplicationBootstrap {
  private readonly logger: Logger;
  private readonly handlers = new Map<string, { subscription: Subscription; handler: IntegrationEventHandler }>();

  constructor(
    private readonly module: ModuleManifest,
    private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionTable,
    private readonly moduleRef: ModuleRef,
    private readonly workers: QueueWorkers,
    private readonly backend: QueueBackend,
    private readonly settings: Settings,
  ) {
    this.logger = new Logger(`Inbox:${module.name}`);
  }

  onApplicationBootstrap(): void {
    for (const subscription of this.subscriptions.subscriptionsOf(this.module.name)) {
      const handler = this.moduleRef.get<IntegrationEventHandler>(subscription.handler, { strict: true });
      this.handlers.set(eventKey(subscription.event), { subscription, handler });
    }
    if (this.handlers.size === 0) return;
    const worker = new Worker(inboxQueueName(this.module.name), (job: Job<EventEnvelope>) => this.process(job), {
      connection: bullConnection(this.backend),
      prefix: this.settings.queuePrefix,
      autorun: false,
      name: `tessera:${this.module.name}:${process.pid}`,
      concurrency: this.settings.workerConcurrency,
    });
    this.workers.register(worker);
  }

  private async process(job: Job<EventEnvelope>): Promise<'handled' | 'duplicate'> {
    const envelope = job.data;
    const key = eventKey(envelope);
    const labels = { event: key, module: this.module.name };
    const entry = this.handlers.get(key);
    if (!entry) {
      eventMetrics.deadLettered.inc(labels);
      throw new UnrecoverableError(`module ${this.module.name} has no handler for ${key}`);
    }
    const parsed = entry.subscription.event.schema.safeParse(envelope.payload);
    if (!parsed.success) {
      eventMetrics.deadLettered.inc(labels);
      throw new UnrecoverableError(`payload of ${key} ${envelope.id} breaks its contract: ${parsed.error.message}`);
    }
    const stopTimer = eventMetrics.handlerDuration.startTimer(labels);
    try {
      const outcome = await runInMessageContext(
        {
          requestId: envelope.correlationId ?? envelope.id,
          correlationId: envelope.correlationId ?? envelope.id,
          causationId: envelope.id,
        },
        () =>
          this.dataSource.transaction(async (manager) => {
            const claimed = (await manager.query(
              `INSERT INTO inbox (event_id, event_name) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
              [envelope.id, key],
            )) as unknown[];
            if (claimed.length === 0) return 'duplicate' as const;
            await entry.handler.handle({ ...envelope, payload: parsed.data }, manager);
            return 'handled' as const;
          }),
      );
      (outcome === 'handled' ? eventMetrics.consumed : eventMetrics.duplicates).inc(labels);
      return outcome;
    } catch (error) {
      eventMetrics.failed.inc(labels);
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        eventMetrics.deadLettered.inc(labels);
        this.logger.error(`${key} ${envelope.id} failed ${attempts} times; now a dead letter: ${String(error)}`);
      } else {
        this.logger.warn(
          `${key} ${envelope.id} failed (attempt ${job.attemptsMade + 1} of ${attempts}): ${String(error)}`,
        );
      }
      throw error;
    } finally {
      stopTimer();
    }
  }
}
