import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type {
  LockedReservation,
  NewReservation,
  OverdueReservation,
  ReservationStore,
} from '../application/ports/reservation-store';
import type { ReservationStatus } from '../domain/reservation';

/** Every statement set-wise and prepared (docs/decisions/0009-prepared-statements.md). */
@Injectable()
export class PostgresReservationStore implements ReservationStore {
  constructor(private readonly dataSource: DataSource) {}

  async claim(manager: EntityManager, reservations: readonly NewReservation[]): Promise<Set<string>> {
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

  async lock(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, LockedReservation>> {
    type Row = Omit<LockedReservation, 'orderId'> & { order_id: string };
    const rows = await queryPrepared<Row>(
      manager,
      `SELECT order_id, status, lines, version, expires_at <= now() AS due
         FROM inventory.reservations WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE`,
      [[...new Set(orderIds)]],
    );
    return new Map(
      rows.map(({ order_id: orderId, status, lines, version, due }) => [
        orderId,
        { orderId, status, lines, version, due },
      ]),
    );
  }

  async move(manager: EntityManager, orderIds: readonly string[], to: ReservationStatus): Promise<Map<string, number>> {
    if (orderIds.length === 0) return new Map();
    const rows = await queryPrepared<{ order_id: string; version: number }>(
      manager,
      `UPDATE inventory.reservations SET status = $2, version = version + 1, updated_at = now()
        WHERE order_id = ANY($1::uuid[]) RETURNING order_id, version`,
      [orderIds, to],
    );
    return new Map(rows.map((row) => [row.order_id, row.version]));
  }

  // The partial index `reservations_held` (expires_at, WHERE status = 'reserved') answers this
  // in deadline order and stops at `limit`: it holds only the reservations still held.
  async overdue(limit: number): Promise<OverdueReservation[]> {
    const rows = await queryPrepared<{ order_id: string; lines: { sku: string }[] }>(
      this.dataSource.manager,
      `SELECT order_id, lines FROM inventory.reservations
        WHERE status = 'reserved' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => ({ orderId: row.order_id, skus: row.lines.map((line) => line.sku) }));
  }
}
