import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { DataSource, EntityManager } from 'typeorm';
import { eventKey, type EventEnvelope } from '#libs/contracts';
import type { Settings } from '#libs/config';
import { databaseUnreachable } from '#libs/database';
import { queryPrepared } from '#libs/sql';
import type { ModuleManifest } from '#libs/modularity';
import { runInMessageContext } from '#libs/observability';
import { inMessagingSpan, isTracing, type MessagingSpan } from '#libs/tracing';
import { waitingOutDatabaseOutages } from '../database-outage';
import { bullConnection, type QueueBackend } from '../queue-backend';
import type { QueueWorkers } from '../queue-workers';
import { workerPrecedence } from '../worker-precedence';
import { EVENT_BATCH_JOB, eventJob, type EventBatch } from './delivery-jobs';
import type { EventQueues } from './event-queues';
import { eventMetrics } from './event-metrics';
import { messageContextOf } from './event-follow-up';
import { handlerSpan, processSpan } from './event-tracing';
import { runsOfOneHandler } from './handler-runs';
import type { InboxLockOrder, IntegrationEventHandler } from './on-integration-event.decorator';
import { inboxQueueName, type Subscription, type SubscriptionTable } from './subscription-table';

type Outcome = 'handled' | 'duplicate';

interface Accepted {
  readonly key: string;
  readonly handler: IntegrationEventHandler;
  readonly event: EventEnvelope;
}

interface Delivery extends Accepted {
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

const MAX_IN_FLIGHT = 2;
const MAX_BATCH = 64;

/**
 * A module's inbox queue: the effect and the inbox record of the event id commit together, so a
 * duplicate has no second effect. A broken contract goes straight to dead letters; a database out
 * of reach is waited out without spending an attempt; other failures retry with backoff until
 * EVENT_MAX_ATTEMPTS.
 */
export class InboxConsumer implements OnApplicationBootstrap {
  private readonly logger: Logger;
  private readonly handlers = new Map<string, { subscription: Subscription; handler: IntegrationEventHandler }>();
  private readonly pending: Delivery[] = [];
  private inFlight = 0;
  private lockOrder: InboxLockOrder | undefined;

  constructor(
    private readonly module: ModuleManifest,
    private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionTable,
    private readonly moduleRef: ModuleRef,
    private readonly workers: QueueWorkers,
    private readonly backend: QueueBackend,
    private readonly settings: Settings,
    private readonly queues: EventQueues,
  ) {
    this.logger = new Logger(`Inbox:${module.name}`);
  }

  onApplicationBootstrap(): void {
    for (const subscription of this.subscriptions.subscriptionsOf(this.module.name)) {
      const handler = this.moduleRef.get<IntegrationEventHandler>(subscription.handler, { strict: true });
      if (!handler.handle && !handler.handleMany)
        throw new Error(`${subscription.handler.name} implements neither handle nor handleMany`);
      this.handlers.set(eventKey(subscription.event), { subscription, handler });
    }
    if (this.handlers.size === 0) return;
    if (this.module.inboxLockOrder)
      this.lockOrder = this.moduleRef.get<InboxLockOrder>(this.module.inboxLockOrder, { strict: true });
    const worker = new Worker(
      inboxQueueName(this.module.name),
      (job: Job<EventEnvelope | EventBatch>, token?: string) =>
        waitingOutDatabaseOutages(job, token, () =>
          workerPrecedence.inTurn<Outcome | void>(this.module.name, () =>
            job.name === EVENT_BATCH_JOB
              ? this.processBatch(job as Job<EventBatch>)
              : this.process(job as Job<EventEnvelope>),
          ),
        ),
      {
        connection: bullConnection(this.backend),
        prefix: this.backend.prefix,
        autorun: false,
        name: `tessera:${this.module.name}:${process.pid}`,
        concurrency: this.settings.eventConsumerConcurrency,
      },
    );
    this.workers.register(worker);
  }

  private async process(job: Job<EventEnvelope>): Promise<Outcome> {
    eventMetrics.eventsPerJob.observe({ module: this.module.name }, 1);
    const envelope = job.data;
    const accepted = this.accept(envelope);
    if ('refused' in accepted) {
      eventMetrics.deadLettered.inc(this.labelsOf(envelope));
      throw new UnrecoverableError(accepted.refused);
    }
    const [delivered] = this.deliver([accepted]);
    try {
      return await delivered!;
    } catch (error) {
      // Not an attempt: waitingOutDatabaseOutages puts the job back.
      if (databaseUnreachable(error)) throw error;
      const labels = this.labelsOf(envelope);
      const key = labels.event;
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
    }
  }

  /**
   * A relay batch (docs/decisions/0027-one-job-per-relay-batch.md): an event that cannot be handled is
   * queued again as its own job; if that fails the batch is retried whole, the inbox absorbing the rest.
   * While the database cannot be reached the batch waits whole, rather than falling apart into jobs.
   */
  private async processBatch(job: Job<EventBatch>): Promise<void> {
    const { events } = job.data;
    eventMetrics.eventsPerJob.observe({ module: this.module.name }, events.length);
    const apart: EventEnvelope[] = [];
    const accepted: Accepted[] = [];
    for (const event of events) {
      const outcome = this.accept(event);
      if ('refused' in outcome) apart.push(event);
      else accepted.push(outcome);
    }
    const settled = await Promise.allSettled(this.deliver(accepted));
    const outage = settled.find(
      (result): result is PromiseRejectedResult => result.status === 'rejected' && databaseUnreachable(result.reason),
    );
    if (outage) throw outage.reason;
    settled.forEach((result, i) => {
      if (result.status === 'fulfilled') return;
      const { event } = accepted[i]!;
      apart.push(event);
      this.logger.warn(
        `${this.labelsOf(event).event} ${event.id} failed in a batch; retried alone: ${String(result.reason)}`,
      );
    });
    if (apart.length === 0) return;
    const retry = apart.map((event) => {
      const { name, data, opts } = eventJob(this.module.name, event, this.settings);
      return { name, data, opts: { ...opts, delay: this.settings.eventRetryDelayMs } };
    });
    await this.queues.get(inboxQueueName(this.module.name)).addBulk(retry);
  }

  private labelsOf(envelope: EventEnvelope): { event: string; module: string } {
    return { event: eventKey(envelope), module: this.module.name };
  }

  /** The event with its handler and its payload as the contract reads it, or why it cannot be handled. */
  private accept(envelope: EventEnvelope): Accepted | { refused: string } {
    const key = eventKey(envelope);
    const entry = this.handlers.get(key);
    if (!entry) return { refused: `module ${this.module.name} has no handler for ${key}` };
    const parsed = entry.subscription.event.schema.safeParse(envelope.payload);
    if (!parsed.success)
      return { refused: `payload of ${key} ${envelope.id} breaks its contract: ${parsed.error.message}` };
    return { key, handler: entry.handler, event: { ...envelope, payload: parsed.data } };
  }

  /** Queues the deliveries together, so that they can share a transaction, and counts their outcomes. */
  private deliver(accepted: readonly Accepted[]): Promise<Outcome>[] {
    const outcomes = accepted.map(
      (delivery) => new Promise<Outcome>((resolve, reject) => this.pending.push({ ...delivery, resolve, reject })),
    );
    this.pump();
    return outcomes.map((outcome, i) => {
      const labels = { event: accepted[i]!.key, module: this.module.name };
      return outcome.then(
        (result) => {
          (result === 'handled' ? eventMetrics.consumed : eventMetrics.duplicates).inc(labels);
          return result;
        },
        (error: unknown) => {
          // An outage is waited out and spends no attempt (docs/decisions/0040-outages-spend-no-attempts.md).
          if (!databaseUnreachable(error)) eventMetrics.failed.inc(labels);
          throw error;
        },
      );
    });
  }

  /**
   * At most MAX_IN_FLIGHT transactions; deliveries arriving meanwhile share the next one, so
   * batching costs no latency at low load (docs/decisions/0007-set-wise-inbox-handlers.md).
   */
  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.handleBatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async handleBatch(batch: Delivery[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const outcomes = await this.inTransaction(batch);
        batch.forEach((delivery, i) => delivery.resolve(outcomes[i] as Outcome));
        return;
      } catch {
        // One failing handler must not fail the others: retry each in its own transaction.
      }
    }
    await Promise.all(
      batch.map((delivery) =>
        this.inTransaction([delivery]).then(
          ([outcome]) => delivery.resolve(outcome as Outcome),
          (error: unknown) => delivery.reject(error),
        ),
      ),
    );
  }

  /** Records the event ids in the inbox and runs the handlers of the newly claimed ones, in one transaction. */
  private inTransaction(batch: readonly Delivery[]): Promise<Outcome[]> {
    if (!isTracing()) return this.transact(batch, undefined);
    const span = processSpan(
      this.module.name,
      batch.map((delivery) => delivery.event),
    );
    return inMessagingSpan(span, () => this.transact(batch, span));
  }

  private transact(batch: readonly Delivery[], span: MessagingSpan | undefined): Promise<Outcome[]> {
    return this.dataSource.transaction(async (manager) => {
      // Sorted ids take their unique-index locks in one order: concurrent batches cannot deadlock.
      const ids = [...new Set(batch.map((d) => d.event.id))].sort();
      const firsts = ids.map((id) => batch.find((d) => d.event.id === id)!);
      // The event's own time is the partition key: every redelivery carries it, so a copy meets
      // the first record in the same partition (docs/decisions/0037-time-partitioned-tables.md).
      const claimed = new Set(
        (
          await queryPrepared<{ event_id: string }>(
            manager,
            `INSERT INTO ${this.module.schema}.inbox (event_id, occurred_at, event_name)
             SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[])
           ON CONFLICT (event_id, occurred_at) DO NOTHING RETURNING event_id`,
            [ids, firsts.map((d) => d.event.occurredAt), firsts.map((d) => d.key)],
          )
        ).map((row) => row.event_id),
      );
      if (this.lockOrder && claimed.size > 0) {
        await this.lockOrder.lockFor(
          batch.filter((d) => claimed.has(d.event.id)).map((d) => d.event),
          manager,
        );
      }
      const outcomes: Outcome[] = [];
      const claimedDeliveries: Delivery[] = [];
      for (const delivery of batch) {
        const first = claimed.delete(delivery.event.id);
        outcomes.push(first ? 'handled' : 'duplicate');
        if (first) claimedDeliveries.push(delivery);
      }
      for (const run of runsOfOneHandler(claimedDeliveries)) await this.apply(run, manager, span, batch.length > 1);
      return outcomes;
    });
  }

  /** Runs the handler of consecutive deliveries: set-wise when it can, else one event at a time. */
  private async apply(
    run: readonly [Delivery, ...Delivery[]],
    manager: EntityManager,
    transaction: MessagingSpan | undefined,
    sharedTransaction: boolean,
  ): Promise<void> {
    const { handler, key, event: first } = run[0];
    const labels = { event: key, module: this.module.name };
    const handleMany = handler.handleMany?.bind(handler);
    if (run.length > 1 && handleMany) {
      const events = run.map((delivery) => delivery.event);
      const stopTimer = eventMetrics.handlerDuration.startTimer(labels);
      const work = () =>
        runInMessageContext({ ...messageContextOf(first), severalCauses: true }, () => handleMany(events, manager));
      await (
        transaction
          ? inMessagingSpan(handlerSpan(handler.constructor.name, events, transaction, sharedTransaction), work)
          : work()
      ).finally(() => stopTimer());
      return;
    }
    for (const { event } of run) {
      const stopTimer = eventMetrics.handlerDuration.startTimer(labels);
      const work = () =>
        runInMessageContext(messageContextOf(event), () =>
          handler.handle ? handler.handle(event, manager) : handleMany!([event], manager),
        );
      await (
        transaction
          ? inMessagingSpan(handlerSpan(handler.constructor.name, [event], transaction, sharedTransaction), work)
          : work()
      ).finally(() => stopTimer());
    }
  }
}
