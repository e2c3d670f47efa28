import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { eventKey, type IntegrationEvent } from '#libs/contracts';
import { afterCommit } from '#libs/database';
import { queryPrepared } from '#libs/sql';
import { currentMessageContext, type MessageContext } from '#libs/observability';
import { traceCarrierFor, type TraceCarrier } from '#libs/tracing';

/** What wakes the module's relays once written events have committed (`OutboxDoorbell`). */
export interface RelayDoorbell {
  ring(): void;
}

/** The columns of an event's outbox row (`Outbox.row`), with the types of their parameters. */
export const OUTBOX_COLUMNS = [
  'event_id',
  'event_name',
  'event_version',
  'aggregate_id',
  'aggregate_version',
  'payload',
  'correlation_id',
  'causation_id',
  'traceparent',
  'tracestate',
] as const;
export const OUTBOX_TYPES = ['uuid', 'text', 'int', 'text', 'bigint', 'jsonb', 'text', 'text', 'text', 'text'] as const;

export interface AggregateRef {
  readonly aggregateId: string;
  readonly aggregateVersion: number;
}

/** `publish` writes in the caller's transaction, so the event exists exactly when the state change does. */
export class Outbox {
  private readonly publishable: Set<string>;

  constructor(
    readonly module: string,
    readonly schema: string,
    publishes: readonly IntegrationEvent[],
    private readonly doorbell: RelayDoorbell,
  ) {
    this.publishable = new Set(publishes.map(eventKey));
  }

  async publish<T>(
    manager: EntityManager,
    event: IntegrationEvent<T>,
    payload: T,
    aggregate: AggregateRef,
  ): Promise<string> {
    const row = this.row(event, payload, aggregate);
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error(`publish ${eventKey(event)} inside the transaction of the state change it announces`);
    }
    await queryPrepared(
      manager,
      `INSERT INTO ${this.schema}.outbox (${OUTBOX_COLUMNS.join(', ')}) VALUES (${OUTBOX_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
      row,
    );
    this.ringAfterCommit(manager);
    return row[0] as string;
  }

  /**
   * `publish` for several events, in one statement: for `handleMany`, where each `cause` gives the
   * correlation and causation, or for a batch of the module's own work (a sweep), without causes.
   */
  async publishEach(
    manager: EntityManager,
    items: readonly {
      readonly event: IntegrationEvent<unknown>;
      readonly payload: unknown;
      readonly aggregate: AggregateRef;
      /** Omitted: the current work's, as `publish` (refused inside `handleMany`, which has several). */
      readonly cause?: { readonly id: string; readonly correlationId?: string | null } & TraceCarrier;
    }[],
  ): Promise<string[]> {
    if (items.length === 0) return [];
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error(`publish events inside the transaction of the state changes they announce`);
    }
    const rows = items.map(({ event, payload, aggregate, cause }) => {
      if (!cause) return this.row(event, payload, aggregate);
      const correlationId = cause.correlationId ?? cause.id;
      return this.row(
        event,
        payload,
        aggregate,
        { requestId: correlationId, correlationId, causationId: cause.id },
        traceCarrierFor(cause),
      );
    });
    const columns = OUTBOX_COLUMNS.map((_, i) => rows.map((row) => row[i]));
    await queryPrepared(
      manager,
      `INSERT INTO ${this.schema}.outbox (${OUTBOX_COLUMNS.join(', ')})
       SELECT * FROM unnest(${OUTBOX_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`,
      columns,
    );
    this.ringAfterCommit(manager);
    return rows.map((row) => row[0] as string);
  }

  /** Wakes the relays after a statement of the caller's own (see `row`) committed an event. */
  committed(): void {
    this.doorbell.ring();
  }

  /** The relays wake once this transaction commits, and not before: the rows are theirs to read then. */
  private ringAfterCommit(manager: EntityManager): void {
    afterCommit(manager, `outbox:${this.schema}`, () => this.doorbell.ring());
  }

  /**
   * A checked outbox row for a caller's own statement; causation from `cause`, else from the current
   * work, and so is the trace context it carries (none when not tracing).
   */
  row<T>(
    event: IntegrationEvent<T>,
    payload: T,
    aggregate: AggregateRef,
    cause?: MessageContext,
    trace: TraceCarrier | undefined = traceCarrierFor(undefined),
  ): unknown[] {
    const key = eventKey(event);
    if (!this.publishable.has(key)) {
      throw new Error(`module ${this.module} does not publish ${key}: add it to its manifest's publishes`);
    }
    const parsed = event.schema.safeParse(payload);
    if (!parsed.success) {
      throw new Error(`refusing to publish ${key}: payload breaks its schema: ${parsed.error.message}`);
    }
    const context = cause ?? currentMessageContext();
    if (context?.severalCauses) {
      throw new Error(`refusing to publish ${key} from handleMany without its cause: use publishEach`);
    }
    return [
      randomUUID(),
      event.name,
      event.version,
      aggregate.aggregateId,
      aggregate.aggregateVersion,
      JSON.stringify(parsed.data),
      context?.correlationId ?? null,
      context?.causationId ?? null,
      trace?.traceparent ?? null,
      trace?.tracestate ?? null,
    ];
  }
}
