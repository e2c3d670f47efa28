import type { EventEnvelope } from '#libs/contracts';
import type { TraceCarrier } from '#libs/tracing';

/** An outbox row as the relay and the reconciler read it. */
export interface OutboxRow {
  position: string;
  event_id: string;
  event_name: string;
  event_version: number;
  aggregate_id: string;
  aggregate_version: string;
  payload: unknown;
  correlation_id: string | null;
  causation_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
  occurred_at: Date;
}

/** The outbox columns `OutboxRow` holds, for a SELECT or a RETURNING list. */
export const OUTBOX_ROW_COLUMNS = `position, event_id, event_name, event_version, aggregate_id, aggregate_version, payload,
  correlation_id, causation_id, traceparent, tracestate, occurred_at`;

/**
 * The envelope a subscriber receives for an outbox row of `publisher`; `trace` is the context of
 * the span that publishes it (the row's own context is that span's parent). Without one, the
 * envelope has no trace fields at all.
 */
export function envelopeOf(row: OutboxRow, publisher: string, trace?: TraceCarrier): EventEnvelope {
  return {
    ...(trace?.traceparent ? { traceparent: trace.traceparent } : {}),
    ...(trace?.tracestate ? { tracestate: trace.tracestate } : {}),
    id: row.event_id,
    name: row.event_name,
    version: row.event_version,
    publisher,
    occurredAt: row.occurred_at.toISOString(),
    aggregateId: row.aggregate_id,
    aggregateVersion: Number(row.aggregate_version),
    correlationId: row.correlation_id,
    causationId: row.causation_id,
    payload: row.payload,
  };
}
