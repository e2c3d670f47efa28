import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { eventKey } from '#libs/contracts';
import type { ProcessState, Settings } from '#libs/config';
import type { BudgetPool } from '#libs/database';
import type { ModuleManifest } from '#libs/modularity';
import { RepeatedFailureLog } from '#libs/observability';
import { inMessagingSpan } from '#libs/tracing';
import { eventJob } from './delivery-jobs';
import type { EventQueues } from './event-queues';
import { eventMetrics } from './event-metrics';
import { envelopeOf, OUTBOX_ROW_COLUMNS, type OutboxRow } from './outbox-row';
import { publishSpan } from './event-tracing';
import { inboxQueueName, type SubscriptionTable } from './subscription-table';

/** Where a publishing module's outbox is: its schema, and a pool on its database. */
export type PublisherOutbox = (publisher: string) => { readonly schema: string; readonly pool: BudgetPool };

/** An outbox row with whether it was sent, and sent longer than the deadline ago. */
interface ReconciledRow extends OutboxRow {
  sent: boolean;
  due: boolean;
}

/** How many outbox rows one sweep looks at per publisher. */
const SWEEP_ROWS = 500;

const { republished } = eventMetrics;

/**
 * Delivered means the subscriber's inbox has it (docs/decisions/0004-acknowledged-delivery.md): walks
 * each publisher's outbox from its watermark and publishes again what the inbox still lacks after
 * EVENT_DELIVERY_DEADLINE_SECONDS, backing off in `redeliveries`. The inbox makes extra copies harmless.
 */
export class EventReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private readonly failures: RepeatedFailureLog;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly module: ModuleManifest,
    private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionTable,
    private readonly outboxOf: PublisherOutbox,
    private readonly queues: EventQueues,
    private readonly settings: Settings,
    private readonly state: ProcessState,
  ) {
    this.logger = new Logger(`EventReconciler:${module.name}`);
    this.failures = new RepeatedFailureLog(this.logger, 'reconciling deliveries failed, will retry', 'on-success');
  }

  onApplicationBootstrap(): void {
    this.state.onStarted(() => {
      if (this.state.draining) return;
      this.timer = setInterval(() => void this.sweep(), this.settings.eventReconcileIntervalMs);
      this.timer.unref();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every publisher; a pass still running is not started again. */
  sweep(): Promise<void> {
    this.running ??= this.sweepPublishers()
      .then(
        () => this.failures.succeeded(),
        (error: unknown) => this.failures.failed(String(error)),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepPublishers(): Promise<void> {
    const byPublisher = new Map<string, Set<string>>();
    for (const { event } of this.subscriptions.subscriptionsOf(this.module.name)) {
      const keys = byPublisher.get(event.publisher) ?? new Set<string>();
      keys.add(eventKey(event));
      byPublisher.set(event.publisher, keys);
    }
    for (const [publisher, keys] of byPublisher) {
      if (this.state.draining) return;
      const count = await this.reconcile(publisher, keys);
      if (count > 0) {
        republished.inc({ module: this.module.name, publisher }, count);
        this.logger.warn(`published ${count} events of ${publisher} again: the inbox had not recorded them in time`);
      }
    }
  }

  /**
   * Never holds two connections at once (the events share of the budget is small). Replicas sweeping
   * together publish the same jobs, which the queue and the inbox absorb; the watermark only moves forward.
   */
  private async reconcile(publisher: string, keys: ReadonlySet<string>): Promise<number> {
    const own = this.module.schema;
    const [mark] = (await this.dataSource.query(
      `SELECT position FROM ${own}.delivery_watermarks WHERE publisher = $1`,
      [publisher],
    )) as { position: string }[];
    const since = mark?.position ?? '0';
    const rows = await this.passableRows(publisher, keys, since);
    const inbox = await this.recorded(rows);
    let watermark = since;
    const missing: ReconciledRow[] = [];
    for (const row of rows) {
      // Not published yet, or published too recently to call lost: look again next time.
      if (!row.sent || (!inbox.has(row.event_id) && !row.due)) break;
      if (!inbox.has(row.event_id)) missing.push(row);
      watermark = row.position;
    }
    const again = await this.dueAgain(publisher, keys);
    if (watermark === since && missing.length === 0 && again.rows.length === 0 && again.settled.length === 0) return 0;
    await this.dataSource.transaction(async (manager) => {
      if (missing.length > 0) {
        await manager.query(
          `INSERT INTO ${own}.redeliveries (event_id, publisher, position, attempts, next_check_at)
           SELECT id, $2, position, 1, now() + make_interval(secs => $4)
             FROM unnest($1::uuid[], $3::bigint[]) AS r (id, position)
           ON CONFLICT (event_id) DO NOTHING`,
          [missing.map((r) => r.event_id), publisher, missing.map((r) => r.position), this.deadlineSeconds],
        );
      }
      if (watermark !== since) {
        await manager.query(
          `INSERT INTO ${own}.delivery_watermarks AS w (publisher, position) VALUES ($1, $2)
           ON CONFLICT (publisher) DO UPDATE SET position = GREATEST(w.position, EXCLUDED.position)`,
          [publisher, watermark],
        );
      }
      if (again.settled.length > 0) {
        await manager.query(`DELETE FROM ${own}.redeliveries WHERE event_id = ANY($1::uuid[])`, [again.settled]);
      }
      if (again.rows.length > 0) {
        await manager.query(
          `UPDATE ${own}.redeliveries SET attempts = attempts + 1,
                  next_check_at = now() + make_interval(secs => $2 * power(2, least(attempts, 6)))
            WHERE event_id = ANY($1::uuid[])`,
          [again.rows.map((r) => r.event_id), this.deadlineSeconds],
        );
      }
    });
    const events = [...missing, ...again.rows];
    await this.publish(publisher, events);
    return events.length;
  }

  /** Due redeliveries: settled once in the inbox, else published again, the wait doubling up to 64 deadlines. */
  private async dueAgain(
    publisher: string,
    keys: ReadonlySet<string>,
  ): Promise<{ readonly rows: ReconciledRow[]; readonly settled: string[] }> {
    const due = (await this.dataSource.query(
      `SELECT event_id, position FROM ${this.module.schema}.redeliveries
        WHERE publisher = $1 AND next_check_at <= now() ORDER BY next_check_at LIMIT ${SWEEP_ROWS}`,
      [publisher],
    )) as { event_id: string; position: string }[];
    if (due.length === 0) return { rows: [], settled: [] };
    const inbox = await this.recorded(due);
    const open = due.filter((r) => !inbox.has(r.event_id));
    const rows =
      open.length === 0
        ? []
        : await this.outboxRows(publisher, keys, `position = ANY($1::bigint[])`, [open.map((r) => r.position)]);
    const found = new Set(rows.map((r) => r.event_id));
    for (const lost of open.filter((r) => !found.has(r.event_id))) {
      this.logger.error(`event ${lost.event_id} of ${publisher} never reached the inbox and has left the outbox`);
    }
    return { rows, settled: due.filter((r) => !found.has(r.event_id)).map((r) => r.event_id) };
  }

  /**
   * The rows after the watermark that it may pass: the first SWEEP_ROWS, cut at the first one inserted
   * less than the deadline ago. Positions are taken at insert and commit out of order, so a lower one
   * still unseen belongs to a transaction open since before that insert; past the deadline, that is a
   * transaction open longer than the deadline. Younger rows cannot be due anyway
   * (docs/decisions/0044-watermark-trails-the-delivery-deadline.md).
   */
  private async passableRows(publisher: string, keys: ReadonlySet<string>, since: string): Promise<ReconciledRow[]> {
    const { schema, pool } = this.outboxOf(publisher);
    const { rows } = await pool.pool.query<ReconciledRow>(
      `SELECT * FROM (
         SELECT *, bool_and(occurred_at < clock_timestamp() - make_interval(secs => $3))
                     OVER (ORDER BY position) AS passable
           FROM (${this.outboxSelect(schema, '$2', '$3')} AND position > $1 ORDER BY position LIMIT ${SWEEP_ROWS}) walk
       ) prefix WHERE passable ORDER BY position`,
      [since, eventNames(keys), this.deadlineSeconds],
    );
    return rows.filter((row) => keys.has(eventKey({ name: row.event_name, version: row.event_version })));
  }

  private async outboxRows(
    publisher: string,
    keys: ReadonlySet<string>,
    where: string,
    values: unknown[],
  ): Promise<ReconciledRow[]> {
    const { schema, pool } = this.outboxOf(publisher);
    const { rows } = await pool.pool.query<ReconciledRow>(
      `${this.outboxSelect(schema, `$${values.length + 1}`, `$${values.length + 2}`)} AND ${where}`,
      [...values, eventNames(keys), this.deadlineSeconds],
    );
    return rows.filter((row) => keys.has(eventKey({ name: row.event_name, version: row.event_version })));
  }

  /** Outbox rows of the named events, with whether each was sent, and sent longer than the deadline ago. */
  private outboxSelect(schema: string, names: string, deadline: string): string {
    return `SELECT ${OUTBOX_ROW_COLUMNS}, sent_at IS NOT NULL AS sent,
              coalesce(sent_at < clock_timestamp() - make_interval(secs => ${deadline}), false) AS due
         FROM ${schema}.outbox WHERE event_name = ANY(${names}::text[])`;
  }

  private async recorded(rows: readonly { event_id: string }[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const found = (await this.dataSource.query(
      `SELECT event_id FROM ${this.module.schema}.inbox WHERE event_id = ANY($1::uuid[])`,
      [rows.map((r) => r.event_id)],
    )) as { event_id: string }[];
    return new Set(found.map((r) => r.event_id));
  }

  /** One job per event, under the id the relay's lone-event job has: a job still queued is not doubled. */
  private async publish(publisher: string, rows: readonly ReconciledRow[]): Promise<void> {
    const queue = this.queues.get(inboxQueueName(this.module.name));
    for (const row of rows) {
      const span = publishSpan(row, publisher, [{ subscriber: this.module.name }], true);
      const envelope = envelopeOf(row, publisher, span?.carrier);
      const { name, data, opts } = eventJob(this.module.name, envelope, this.settings);
      await inMessagingSpan(span, () => queue.add(name, data, opts));
    }
  }

  private get deadlineSeconds(): number {
    return this.settings.eventDeliveryDeadlineSeconds;
  }
}

/** The event names of `name@version` keys. */
function eventNames(keys: ReadonlySet<string>): string[] {
  return [...new Set([...keys].map((key) => key.slice(0, key.lastIndexOf('@'))))];
}
