import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { StockLine } from '../domain/stock-reservation';
import type { MovementKind } from './stock-movement.record';

/*
 * The statements that change stock, in as few round trips as possible: a flash sale sends
 * hundreds of orders for one SKU at once, and each holds that row's lock while it runs.
 * Every function runs inside the caller's transaction; multi-SKU changes first lock their
 * rows in SKU order (see `lockStock`), so two orders over the same SKUs never deadlock. An
 * inbox transaction of many events locks all their SKUs at once first (`StockLockOrder`).
 */

const skusOf = (lines: readonly StockLine[]) => lines.map((line) => line.sku);
const quantitiesOf = (lines: readonly StockLine[]) => lines.map((line) => line.quantity);

/**
 * Locks the stock rows of these SKUs in SKU order (LockRows runs above the sort) and
 * returns what each has available. SKUs without a row are absent from the map.
 */
export async function lockStock(manager: EntityManager, skus: readonly string[]): Promise<Map<string, number>> {
  const rows = await queryPrepared<{ sku: string; available: number }>(
    manager,
    `SELECT sku, on_hand - reserved AS available FROM inventory.stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
    [skus],
  );
  return new Map(rows.map((row) => [row.sku, Number(row.available)]));
}

/** `lockStock` for changes that need no figures: a single row needs no ordering, so it is skipped. */
export async function lockForChange(manager: EntityManager, lines: readonly StockLine[]): Promise<void> {
  if (lines.length > 1) await lockStock(manager, skusOf(lines));
}

/** Holds (`+1`) or gives back (`-1`) units for an order: one statement for every line. */
export async function changeReserved(manager: EntityManager, lines: readonly StockLine[], sign: 1 | -1): Promise<void> {
  await queryPrepared(
    manager,
    `UPDATE inventory.stock AS s SET reserved = s.reserved + $3::int * l.quantity, version = s.version + 1, updated_at = now()
       FROM unnest($1::text[], $2::int[]) AS l (sku, quantity)
      WHERE s.sku = l.sku`,
    [skusOf(lines), quantitiesOf(lines), sign],
  );
}

/**
 * Units that leave stock for good, each line recorded as a 'commit' movement with its own
 * reason: from orders' reservations (`fromReserved`: on hand and reserved both drop) or, for
 * a confirmation that came after its reservation was released, from available units. One
 * statement for any number of orders: each SKU's row changes once, by the sum of its lines,
 * and each line's movement records on hand as it stood after that line, in the lines' order.
 */
export async function commitUnits(
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

export interface NewMovement {
  readonly sku: string;
  readonly kind: MovementKind;
  readonly delta: number;
  readonly onHandAfter: number;
  readonly reason: string | null;
  readonly actor: string | null;
}

export async function recordMovement(manager: EntityManager, movement: NewMovement): Promise<void> {
  await manager.query(
    `INSERT INTO inventory.stock_movements (sku, kind, delta, on_hand_after, reason, actor) VALUES ($1, $2, $3, $4, $5, $6)`,
    [movement.sku, movement.kind, movement.delta, movement.onHandAfter, movement.reason, movement.actor],
  );
}

/** A stock row at zero for a SKU the inventory has not seen; an existing row is left alone. */
export async function ensureStockRow(manager: EntityManager, sku: string): Promise<void> {
  await ensureStockRows(manager, [sku]);
}

/** Several SKUs' rows in one statement (a catalogue import creates thousands of products). */
export async function ensureStockRows(manager: EntityManager, skus: readonly string[]): Promise<void> {
  await manager.query(
    `INSERT INTO inventory.stock (sku, on_hand, reserved) SELECT sku, 0, 0 FROM unnest($1::text[]) AS t(sku) ORDER BY sku
     ON CONFLICT (sku) DO NOTHING`,
    [skus],
  );
}
