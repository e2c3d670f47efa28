import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { eventKey, type EventEnvelope } from '#libs/contracts';
import type { ProcessState, Settings } from '#libs/config';
import type { DatabaseListener } from '#libs/database';
import { RepeatedFailureLog } from '#libs/observability';
import { queryPrepared } from '#libs/sql';
import type { MessagingSpan } from '#libs/tracing';
import type { ModuleManifest } from '#libs/modularity';
import { deliveryJob } from './delivery-jobs';
import { eventMetrics } from './event-metrics';
import type { EventQueues } from './event-queues';
import { OUTBOX_CHANNEL } from './outbox-doorbell';
import { envelopeOf, OUTBOX_ROW_COLUMNS, type OutboxRow } from './outbox-row';
import { publishSpan } from './event-tracing';
import { inboxQueueName, type SubscriptionTable } from './subscription-table';

/**
 * Publishes one module's outbox; `SKIP LOCKED` lets any number of relays share it. Woken after the
 * commit (docs/decisions/0006-outbox-relay-woken-after-commit.md), polling as a fallback.
 */
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  /** While the database or the queue is down, a drain fails on every poll. */
  private readonly failures: RepeatedFailureLog;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly module: ModuleManifest,
    private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionTable,
    private readonly queues: EventQueues,
    private readonly settings: Settings,
    private readonly state: ProcessState,
    private readonly listener: DatabaseListener,
  ) {
    this.logger = new Logger(`OutboxRelay:${module.name}`);
    this.failures = new RepeatedFailureLog(this.logger, 'publishing failed, will retry', 'on-success');
  }

  onApplicationBootstrap(): void {
    this.state.onStarted(() => {
      if (this.stopped) return;
      void this.listen();
      this.timer = setInterval(() => this.wake(), this.settings.relayPollMs);
      this.wake();
    });
  }

  /** Runs a drain now, or once more after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .then(
        () => this.failures.succeeded(),
        (error: unknown) => this.failures.failed(String(error)),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (await this.publishBatch()) === this.settings.relayBatchSize) {
      // A full batch means more may be waiting.
    }
  }

  private async publishBatch(): Promise<number> {
    const rows = await this.dataSource.transaction(async (manager) => {
      const outbox = `${this.module.schema}.outbox`;
      // Claims and marks in one statement: if enqueueing fails, the rollback unmarks them.
      // ARRAY(...) evaluates the locking subquery once, before the update. `sent_at IS NULL` keeps
      // both to the pending partition; marking moves each row into its day's partition.
      const claimed = await queryPrepared<OutboxRow>(
        manager,
        `UPDATE ${outbox} SET sent_at = clock_timestamp()
            WHERE sent_at IS NULL AND position = ANY(ARRAY(
              SELECT position FROM ${outbox} WHERE sent_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED))
            RETURNING ${OUTBOX_ROW_COLUMNS}`,
        [this.settings.relayBatchSize],
      );
      // RETURNING has no order; subscribers get each aggregate's events in outbox order.
      const rows = claimed.sort((a, b) => Number(BigInt(a.position) - BigInt(b.position)));
      if (rows.length === 0) return rows;
      const eventsBySubscriber = new Map<string, EventEnvelope[]>();
      const spans = new Map<string, MessagingSpan>();
      for (const row of rows) {
        const key = eventKey({ name: row.event_name, version: row.event_version });
        const subscriptions = this.subscriptions.subscribersOf(key);
        const span = publishSpan(row, this.module.name, subscriptions);
        if (span) spans.set(row.event_id, span);
        const envelope = envelopeOf(row, this.module.name, span?.carrier);
        for (const { subscriber } of subscriptions) {
          const events = eventsBySubscriber.get(subscriber) ?? [];
          events.push(envelope);
          eventsBySubscriber.set(subscriber, events);
        }
      }
      const enqueued = Promise.all(
        [...eventsBySubscriber].map(([subscriber, events]) => {
          const { name, data, opts } = deliveryJob(subscriber, events, this.settings);
          const enqueue = () => this.queues.get(inboxQueueName(subscriber)).add(name, data, opts);
          // A lone event's job is queued inside its publish span; a batch's, inside none of them.
          const only = events.length === 1 ? spans.get(events[0]!.id) : undefined;
          return only ? only.run(enqueue) : enqueue();
        }),
      );
      if (spans.size === 0) await enqueued;
      else {
        await enqueued.then(
          () => spans.forEach((span) => span.end()),
          (error: unknown) => {
            spans.forEach((span) => span.end(error));
            throw error;
          },
        );
      }
      return rows;
    });
    // Counted once queued and marked sent: a failed enqueue or commit leaves them to the next batch.
    for (const row of rows) {
      eventMetrics.published.inc({
        event: eventKey({ name: row.event_name, version: row.event_version }),
        module: this.module.name,
      });
    }
    return rows.length;
  }

  /** Wakes on the process's LISTEN connection; after it was lost, drains whatever came meanwhile. */
  private async listen(): Promise<void> {
    this.listener.onReconnect(() => this.wake());
    const wakeOnOwnSchema = (payload: string | undefined) => {
      if (payload === this.module.schema) this.wake();
    };
    await this.listener.listen(OUTBOX_CHANNEL, wakeOnOwnSchema).then(
      () => this.logger.log('listening for outbox commits'),
      (error: unknown) =>
        this.logger.warn(
          `LISTEN failed, polling every ${this.settings.relayPollMs} ms until it is back: ${String(error)}`,
        ),
    );
  }

  /** Stops before the queues close, finishing the batch in progress. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
