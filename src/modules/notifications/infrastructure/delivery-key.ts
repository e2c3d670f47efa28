import type { DeliveryKey } from '../application/ports/delivery-store';

/**
 * The delivery `$1` of `table`, in the partition of its event's time `[$2, $3)` when known:
 * sent unnamed, each statement is planned with its values, so PostgreSQL reads that one partition.
 */
export function byKeyCondition(table = 'webhook_deliveries'): string {
  return `${table}.id = $1 AND ($2::timestamptz IS NULL OR (${table}.occurred_at >= $2 AND ${table}.occurred_at < $3))`;
}

/** `byKeyCondition`'s values: the id, and the millisecond the event's time falls in (a stored time may be finer). */
export function byKey({ id, occurredAt }: DeliveryKey): [string, Date | null, Date | null] {
  if (occurredAt === undefined) return [id, null, null];
  const from = new Date(occurredAt).getTime();
  return [id, new Date(from), new Date(from + 1)];
}
