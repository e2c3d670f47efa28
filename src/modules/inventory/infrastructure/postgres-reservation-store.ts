import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { LockedReservation, NewReservation, ReservationStore } from '../application/ports/reservation-store';
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

  async reservedSkus(manager: EntityManager, orderId: string): Promise<string[]> {
    const rows = await queryPrepared<{ sku: string }>(
      manager,
      `SELECT DISTINCT line->>'sku' AS sku FROM inventory.reservations, jsonb_array_elements(lines) AS line WHERE order_id = $1`,
      [orderId],
    );
    return rows.map((row) => row.sku);
  }

  async lock(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, LockedReservation>> {
    type Row = Omit<LockedReservation, 'orderId' | 'remainingMs'> & { order_id: string; remaining_ms: number };
    const rows = await queryPrepared<Row>(
      manager,
      `SELECT order_id, status, lines, version, expires_at <= now() AS due,
              GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - now())) * 1000))::float8 AS remaining_ms
         FROM inventory.reservations WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE`,
      [[...new Set(orderIds)]],
    );
    return new Map(
      rows.map(({ order_id: orderId, status, lines, version, due, remaining_ms }) => {
        return [orderId, { orderId, status, lines, version, due, remainingMs: Number(remaining_ms) }];
      }),
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

  // Index `reservations_held`; the database clock decides what is overdue.
  async overdue(limit: number): Promise<string[]> {
    const rows = await queryPrepared<{ order_id: string }>(
      this.dataSource.manager,
      `SELECT order_id FROM inventory.reservations
        WHERE status = 'reserved' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((row) => row.order_id);
  }
}
