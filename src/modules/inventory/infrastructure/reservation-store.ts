import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { ReservationStatus } from '../domain/reservation';
import type { StockLine } from '../domain/stock-reservation';

/** A reservation read under its row lock, with its deadline judged by the database clock. */
export interface LockedReservation {
  readonly orderId: string;
  readonly status: ReservationStatus;
  readonly lines: StockLine[];
  readonly version: number;
  /** `expires_at <= now()`. */
  readonly due: boolean;
  /** Milliseconds until `expires_at` (0 when due). */
  readonly remainingMs: number;
}

/**
 * Records the decision for an order unless one exists (a tombstone, or an earlier delivery):
 * true when this call created the row. A concurrent insert of the same order makes this wait
 * for that transaction, then yield to it, so exactly one decision stands.
 */
export async function claimReservation(
  manager: EntityManager,
  reservation: { orderId: string; status: ReservationStatus; lines: readonly StockLine[]; expiresAt: Date },
): Promise<boolean> {
  return (await claimReservations(manager, [reservation])).size === 1;
}

/** `claimReservation` for several orders in one statement: the orders whose row this call created. */
export async function claimReservations(
  manager: EntityManager,
  reservations: readonly { orderId: string; status: ReservationStatus; lines: readonly StockLine[]; expiresAt: Date }[],
): Promise<Set<string>> {
  const rows = await queryPrepared<{ order_id: string }>(
    manager,
    `INSERT INTO inventory.reservations (order_id, status, lines, version, expires_at)
     SELECT order_id, status, lines, 1, expires_at
       FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::timestamptz[]) AS r (order_id, status, lines, expires_at)
     ON CONFLICT (order_id) DO NOTHING RETURNING order_id`,
    [
      reservations.map((r) => r.orderId),
      reservations.map((r) => r.status),
      reservations.map((r) => JSON.stringify(r.lines)),
      reservations.map((r) => r.expiresAt),
    ],
  );
  return new Set(rows.map((row) => row.order_id));
}

/**
 * The SKUs of an order's reservation, read without a lock: a reservation's lines never change
 * once it is written, so a caller can lock their stock rows before the reservation's row.
 */
export async function reservedSkus(manager: EntityManager, orderId: string): Promise<string[]> {
  const rows = await queryPrepared<{ sku: string }>(
    manager,
    `SELECT DISTINCT line->>'sku' AS sku FROM inventory.reservations, jsonb_array_elements(lines) AS line WHERE order_id = $1`,
    [orderId],
  );
  return rows.map((row) => row.sku);
}

export async function lockReservation(manager: EntityManager, orderId: string): Promise<LockedReservation | undefined> {
  return (await lockReservations(manager, [orderId])).get(orderId);
}

/** The reservations of these orders, locked in order id order, by order id (an order without one is absent). */
export async function lockReservations(
  manager: EntityManager,
  orderIds: readonly string[],
): Promise<Map<string, LockedReservation>> {
  const rows = await queryPrepared<{
    order_id: string;
    status: ReservationStatus;
    lines: StockLine[];
    version: number;
    due: boolean;
    remaining_ms: number;
  }>(
    manager,
    `SELECT order_id, status, lines, version, expires_at <= now() AS due,
            GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - now())) * 1000))::float8 AS remaining_ms
       FROM inventory.reservations WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE`,
    [[...new Set(orderIds)]],
  );
  return new Map(
    rows.map((row) => [
      row.order_id,
      {
        orderId: row.order_id,
        status: row.status,
        lines: row.lines,
        version: row.version,
        due: row.due,
        remainingMs: Number(row.remaining_ms),
      },
    ]),
  );
}

/** Moves a locked reservation to its next status; returns its new version. */
export async function moveReservation(
  manager: EntityManager,
  orderId: string,
  status: ReservationStatus,
): Promise<number> {
  const version = (await moveReservations(manager, [orderId], status)).get(orderId);
  if (version === undefined) throw new Error(`reservation of order ${orderId} vanished under its lock`);
  return version;
}

/** Moves locked reservations to the same next status in one statement; returns their new versions by order id. */
export async function moveReservations(
  manager: EntityManager,
  orderIds: readonly string[],
  status: ReservationStatus,
): Promise<Map<string, number>> {
  if (orderIds.length === 0) return new Map();
  const rows = await queryPrepared<{ order_id: string; version: number }>(
    manager,
    `UPDATE inventory.reservations SET status = $2, version = version + 1, updated_at = now()
      WHERE order_id = ANY($1::uuid[]) RETURNING order_id, version`,
    [orderIds, status],
  );
  return new Map(rows.map((row) => [row.order_id, row.version]));
}

/**
 * Held reservations past their deadline (`expires_at <= now()`, the database clock), oldest
 * deadline first, read without a lock (index `reservations_held`): the candidates of the
 * expiry sweeper, which locks and checks each again through the expiry use case.
 */
export async function overdueReservations(manager: EntityManager, limit: number): Promise<string[]> {
  const rows = await queryPrepared<{ order_id: string }>(
    manager,
    `SELECT order_id FROM inventory.reservations
      WHERE status = 'reserved' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.order_id);
}
