import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { Audit, LockedStock, StockLedger, StockMovement } from '../application/ports/stock-ledger';
import type { OnHandChange, StockLevel } from '../domain/stock-level';
import type { StockLine } from '../domain/stock-reservation';
import { StockMovementRecord } from './stock-movement.record';
import { StockRecord } from './stock.record';

// Hand-written statements run prepared (docs/decisions/0009-prepared-statements.md) and change a
// batch's lines at once; the single rows an admin reads or changes go through TypeORM.

const skusOf = (lines: readonly StockLine[]) => lines.map((line) => line.sku);
const quantitiesOf = (lines: readonly StockLine[]) => lines.map((line) => line.quantity);

@Injectable()
export class PostgresStockLedger implements StockLedger {
  constructor(private readonly dataSource: DataSource) {}

  // LockRows runs above the sort, so the rows are locked in SKU order.
  async lockStock(manager: EntityManager, skus: readonly string[]): Promise<Map<string, number>> {
    const rows = await queryPrepared<{ sku: string; available: number }>(
      manager,
      `SELECT sku, on_hand - reserved AS available FROM inventory.stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
      [skus],
    );
    return new Map(rows.map((row) => [row.sku, Number(row.available)]));
  }

  async changeReserved(manager: EntityManager, lines: readonly StockLine[], sign: 1 | -1): Promise<void> {
    await queryPrepared(
      manager,
      `UPDATE inventory.stock AS s SET reserved = s.reserved + $3::int * l.quantity, version = s.version + 1, updated_at = now()
         FROM unnest($1::text[], $2::int[]) AS l (sku, quantity)
        WHERE s.sku = l.sku`,
      [skusOf(lines), quantitiesOf(lines), sign],
    );
  }

  // Each SKU's row changes once, by the sum of its lines; each line's movement records on
  // hand as it stood after that line, in the lines' order.
  async commitUnits(
    manager: EntityManager,
    lines: readonly (StockLine & { readonly reason: string })[],
    options: { fromReserved: boolean },
  ): Promise<void> {
    if (lines.length === 0) return;
    await queryPrepared(
      manager,
      `WITH l AS (
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) WITH ORDINALITY AS l (sku, quantity, reason, ordinal)),
       totals AS (SELECT sku, sum(quantity)::int AS quantity FROM l GROUP BY sku),
       changed AS (
         UPDATE inventory.stock AS s
            SET on_hand = s.on_hand - t.quantity,
                reserved = s.reserved - CASE WHEN $4::boolean THEN t.quantity ELSE 0 END,
                version = s.version + 1,
                updated_at = now()
           FROM totals AS t
          WHERE s.sku = t.sku
          RETURNING s.sku, s.on_hand + t.quantity AS on_hand_before)
       INSERT INTO inventory.stock_movements (sku, kind, delta, on_hand_after, reason, actor)
       SELECT l.sku, 'commit', -l.quantity,
              c.on_hand_before - sum(l.quantity) OVER (PARTITION BY l.sku ORDER BY l.ordinal), l.reason, NULL
         FROM l JOIN changed AS c ON c.sku = l.sku
        ORDER BY l.ordinal`,
      [skusOf(lines), quantitiesOf(lines), lines.map((line) => line.reason), options.fromReserved],
    );
  }

  async ensureStockRows(manager: EntityManager, skus: readonly string[]): Promise<void> {
    await queryPrepared(
      manager,
      `INSERT INTO inventory.stock (sku, on_hand, reserved) SELECT sku, 0, 0 FROM unnest($1::text[]) AS t(sku) ORDER BY sku
       ON CONFLICT (sku) DO NOTHING`,
      [skus],
    );
  }

  lockLevel(manager: EntityManager, sku: string): Promise<LockedStock | null> {
    return manager.getRepository(StockRecord).findOne({ where: { sku }, lock: { mode: 'pessimistic_write' } });
  }

  async changeOnHand(manager: EntityManager, locked: LockedStock, change: OnHandChange, audit: Audit): Promise<void> {
    await manager
      .getRepository(StockRecord)
      .update({ sku: locked.sku }, { onHand: change.level.onHand, version: locked.version + 1, updatedAt: new Date() });
    await queryPrepared(
      manager,
      `INSERT INTO inventory.stock_movements (sku, kind, delta, on_hand_after, reason, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
      [locked.sku, audit.kind, change.delta, change.level.onHand, audit.reason, audit.actor],
    );
  }

  level(sku: string): Promise<StockLevel | null> {
    return this.dataSource.getRepository(StockRecord).findOneBy({ sku });
  }

  exists(sku: string): Promise<boolean> {
    return this.dataSource.getRepository(StockRecord).existsBy({ sku });
  }

  movements(sku: string, limit: number, before: string | undefined): Promise<StockMovement[]> {
    const builder = this.dataSource
      .getRepository(StockMovementRecord)
      .createQueryBuilder('m')
      .where('m.sku = :sku', { sku })
      .orderBy('m.id', 'DESC')
      .limit(limit);
    if (before) builder.andWhere('m.id < :before', { before });
    return builder.getMany();
  }
}
