import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { SequencedDelivery } from '../domain/delivery-sequence';
import type { EndpointStatus, FailureRun } from '../domain/webhook-endpoint';
import type { WebhookEventType } from '../domain/webhook-event-types';
import type { DeliveryStatus } from './webhook-delivery.record';

/*
 * The statements behind webhook deliveries. Everything that decides whether a delivery of
 * an (endpoint, order) sequence may go, or that finishes one, runs under that sequence's
 * advisory lock (`lockSequence`): a delivery that checks its predecessors and a
 * predecessor that finishes and releases its successor can never interleave, whichever
 * worker processes they run in.
 */

export interface NewDeliveries {
  readonly eventId: string;
  readonly type: WebhookEventType;
  /** The order the event is about. */
  readonly sequenceKey: string;
  readonly occurredAt: string;
  readonly body: string;
  /** The customer the event is about: their endpoints get it, and every admin's. */
  readonly customerId: string;
}

/**
 * One pending delivery per active endpoint subscribed to the type that belongs to the
 * customer or to an admin, for each event, in one statement; the deliveries of one endpoint
 * take their positions in the order of `events`. A redelivered event finds its rows and adds
 * none. Returns the ids of the rows created (dispatch 1).
 */
export async function recordDeliveries(manager: EntityManager, events: readonly NewDeliveries[]): Promise<string[]> {
  if (events.length === 0) return [];
  const column = <T>(pick: (event: NewDeliveries) => T): T[] => events.map(pick);
  const rows = await queryPrepared<{ id: string }>(
    manager,
    `INSERT INTO notifications.webhook_deliveries (id, endpoint_id, event_id, event_type, sequence_key, occurred_at, body, next_attempt_at)
     SELECT gen_random_uuid(), e.id, t.event_id, t.event_type, t.sequence_key, t.occurred_at, t.body, now()
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[], $5::text[], $6::uuid[]) WITH ORDINALITY
              AS t(event_id, event_type, sequence_key, occurred_at, body, customer_id, ordinal)
       JOIN notifications.webhook_endpoints e ON e.status = 'active' AND t.event_type = ANY (e.event_types)
        AND (e.owner_id = t.customer_id OR EXISTS (SELECT 1 FROM notifications.customers c WHERE c.user_id = e.owner_id AND c.is_admin))
      ORDER BY t.ordinal
     ON CONFLICT (endpoint_id, event_id) DO NOTHING
     RETURNING id`,
    [
      column((event) => event.eventId),
      column((event) => event.type),
      column((event) => event.sequenceKey),
      column((event) => event.occurredAt),
      column((event) => event.body),
      column((event) => event.customerId),
    ],
  );
  return rows.map((row) => row.id);
}

/** The (endpoint, order) sequence of a delivery: columns that never change, read without a lock. */
export async function sequenceOf(
  manager: EntityManager,
  deliveryId: string,
): Promise<{ endpointId: string; sequenceKey: string } | undefined> {
  const rows = (await manager.query(
    `SELECT endpoint_id, sequence_key FROM notifications.webhook_deliveries WHERE id = $1`,
    [deliveryId],
  )) as { endpoint_id: string; sequence_key: string }[];
  const row = rows[0];
  return row && { endpointId: row.endpoint_id, sequenceKey: row.sequence_key };
}

/** Serialises, until the transaction ends, everything that decides the order of one sequence. */
export async function lockSequence(manager: EntityManager, endpointId: string, sequenceKey: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    `tessera.notifications.webhook:${endpointId}:${sequenceKey}`,
  ]);
}

export interface LockedDelivery extends SequencedDelivery {
  readonly endpointId: string;
  readonly sequenceKey: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly dispatch: number;
  readonly endpoint: { readonly url: string; readonly secret: string; readonly status: EndpointStatus };
}

export async function lockDelivery(manager: EntityManager, deliveryId: string): Promise<LockedDelivery | undefined> {
  const rows = (await manager.query(
    `SELECT d.id, d.endpoint_id, d.sequence_key, d.event_id, d.event_type, d.body, d.status, d.attempts, d.dispatch,
            d.occurred_at, d.position, e.url, e.secret, e.status AS endpoint_status
       FROM notifications.webhook_deliveries d JOIN notifications.webhook_endpoints e ON e.id = d.endpoint_id
      WHERE d.id = $1 FOR UPDATE OF d`,
    [deliveryId],
  )) as {
    id: string;
    endpoint_id: string;
    sequence_key: string;
    event_id: string;
    event_type: string;
    body: string;
    status: DeliveryStatus;
    attempts: number;
    dispatch: number;
    occurred_at: Date;
    position: string;
    url: string;
    secret: string;
    endpoint_status: EndpointStatus;
  }[];
  const row = rows[0];
  return (
    row && {
      id: row.id,
      endpointId: row.endpoint_id,
      sequenceKey: row.sequence_key,
      eventId: row.event_id,
      eventType: row.event_type,
      body: row.body,
      status: row.status,
      attempts: row.attempts,
      dispatch: row.dispatch,
      occurredAt: row.occurred_at,
      position: Number(row.position),
      endpoint: { url: row.url, secret: row.secret, status: row.endpoint_status },
    }
  );
}

/** The pending deliveries of a sequence (the caller holds its lock). */
export async function unfinishedInSequence(
  manager: EntityManager,
  endpointId: string,
  sequenceKey: string,
): Promise<(SequencedDelivery & { nextAttemptAt: Date | null })[]> {
  const rows = (await manager.query(
    `SELECT id, occurred_at, position, next_attempt_at FROM notifications.webhook_deliveries
      WHERE endpoint_id = $1 AND sequence_key = $2 AND status = 'pending'`,
    [endpointId, sequenceKey],
  )) as { id: string; occurred_at: Date; position: string; next_attempt_at: Date | null }[];
  return rows.map((row) => ({
    id: row.id,
    occurredAt: row.occurred_at,
    position: Number(row.position),
    nextAttemptAt: row.next_attempt_at,
  }));
}

/** The delivery waits for an earlier one of its sequence, with no job: that one releases it. */
export async function park(manager: EntityManager, deliveryId: string): Promise<void> {
  await manager.query(
    `UPDATE notifications.webhook_deliveries SET next_attempt_at = NULL, updated_at = now() WHERE id = $1`,
    [deliveryId],
  );
}

/** A new dispatch of a delivery, due `delayMs` from now; returns its number. */
export async function redispatch(manager: EntityManager, deliveryId: string, delayMs: number): Promise<number> {
  const rows = (await manager.query(
    `UPDATE notifications.webhook_deliveries
        SET dispatch = dispatch + 1, next_attempt_at = now() + $2 * interval '1 millisecond', updated_at = now()
      WHERE id = $1 RETURNING dispatch`,
    [deliveryId, delayMs],
  )) as [{ dispatch: number }[], number];
  const dispatch = rows[0][0]?.dispatch;
  if (dispatch === undefined) throw new Error(`webhook delivery ${deliveryId} vanished under its lock`);
  return dispatch;
}

export interface AttemptRecord {
  readonly status: DeliveryStatus;
  readonly statusCode: number | null;
  readonly error: string | null;
}

/** Counts an attempt and what came of it; a finished delivery has no next attempt. */
export async function recordAttempt(manager: EntityManager, deliveryId: string, attempt: AttemptRecord): Promise<void> {
  await manager.query(
    `UPDATE notifications.webhook_deliveries
        SET attempts = attempts + 1, status = $2, last_status_code = $3, last_error = $4,
            delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END,
            next_attempt_at = CASE WHEN $2 = 'pending' THEN next_attempt_at END,
            updated_at = now()
      WHERE id = $1`,
    [deliveryId, attempt.status, attempt.statusCode, attempt.error],
  );
}

/** Ends a delivery without an attempt (its endpoint is disabled). */
export async function failWithoutAttempt(manager: EntityManager, deliveryId: string, error: string): Promise<void> {
  await manager.query(
    `UPDATE notifications.webhook_deliveries SET status = 'failed', last_error = $2, next_attempt_at = NULL, updated_at = now() WHERE id = $1`,
    [deliveryId, error],
  );
}

/**
 * The endpoint's run of failures, locked for update. FOR NO KEY UPDATE: new deliveries
 * referencing the endpoint (their foreign key takes KEY SHARE) are not blocked.
 */
export async function lockFailureRun(manager: EntityManager, endpointId: string): Promise<FailureRun | undefined> {
  const rows = (await manager.query(
    `SELECT consecutive_failures, status FROM notifications.webhook_endpoints WHERE id = $1 FOR NO KEY UPDATE`,
    [endpointId],
  )) as { consecutive_failures: number; status: EndpointStatus }[];
  const row = rows[0];
  return row && { consecutiveFailures: row.consecutive_failures, status: row.status };
}

export async function saveFailureRun(manager: EntityManager, endpointId: string, run: FailureRun): Promise<void> {
  await manager.query(
    `UPDATE notifications.webhook_endpoints
        SET consecutive_failures = $2, status = $3,
            disabled_at = CASE WHEN $3 = 'disabled' THEN COALESCE(disabled_at, now()) END
      WHERE id = $1`,
    [endpointId, run.consecutiveFailures, run.status],
  );
}

/** Pending deliveries due for a while with no attempt made: their job was lost (a crash between enqueue and run). */
export async function overdueDeliveries(
  manager: EntityManager,
  graceMs: number,
  limit: number,
): Promise<{ id: string; dispatch: number }[]> {
  return (await manager.query(
    `SELECT id, dispatch FROM notifications.webhook_deliveries
      WHERE status = 'pending' AND next_attempt_at < now() - $1 * interval '1 millisecond'
      ORDER BY next_attempt_at LIMIT $2`,
    [graceMs, limit],
  )) as { id: string; dispatch: number }[];
}
