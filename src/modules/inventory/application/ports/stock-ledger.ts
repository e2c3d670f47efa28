import type { EntityManager } from 'typeorm';
import type { OnHandChange, StockLevel } from '../../domain/stock-level';
import type { StockLine } from '../../domain/stock-reservation';

export type MovementKind = 'set' | 'adjustment' | 'commit';

/** One entry of the audit trail of on-hand changes. */
export interface StockMovement {
  readonly id: string;
  readonly sku: string;
  readonly kind: MovementKind;
  readonly delta: number;
  readonly onHandAfter: number;
  readonly reason: string | null;
  /** The admin's user id; null for order commits. */
  readonly actor: string | null;
  readonly at: Date;
}

/** Who changed on hand, and why, for the audit trail. */
export type Audit = Pick<StockMovement, 'kind' | 'reason'> & { readonly actor: string };

/** A stock row read under its lock, with the version its next change bumps. */
export interface LockedStock extends StockLevel {
  readonly version: number;
}

/** Stock rows and their audit trail; methods taking a manager run in the caller's transaction. */
export abstract class StockLedger {
  /** Locks these SKUs' rows in SKU order (so transactions queue, never deadlock): what each has available. */
  abstract lockStock(manager: EntityManager, skus: readonly string[]): Promise<Map<string, number>>;
  /** Holds (`+1`) or gives back (`-1`) units for orders: one statement for every line. */
  abstract changeReserved(manager: EntityManager, lines: readonly StockLine[], sign: 1 | -1): Promise<void>;
  /** Units that leave stock, from reservations (`fromReserved`) or available units; a movement per line. */
  abstract commitUnits(
    manager: EntityManager,
    lines: readonly (StockLine & { readonly reason: string })[],
    options: { fromReserved: boolean },
  ): Promise<void>;
  /** A row at zero for each SKU the inventory has not seen; existing rows are left alone. */
  abstract ensureStockRows(manager: EntityManager, skus: readonly string[]): Promise<void>;
  abstract lockLevel(manager: EntityManager, sku: string): Promise<LockedStock | null>;
  /** Writes an admin's change of on hand and its movement. */
  abstract changeOnHand(manager: EntityManager, locked: LockedStock, change: OnHandChange, audit: Audit): Promise<void>;
  /** Read on the primary: admins act on these figures. */
  abstract level(sku: string): Promise<StockLevel | null>;
  abstract exists(sku: string): Promise<boolean>;
  /** Newest first, before the movement id `before` when given. */
  abstract movements(sku: string, limit: number, before: string | undefined): Promise<StockMovement[]>;
}
