import type { EntityManager } from 'typeorm';
import type { ReservationStatus } from '../../domain/reservation';
import type { StockLine } from '../../domain/stock-reservation';

/** A reservation read under its row lock, with its deadline judged by the database clock. */
export interface LockedReservation {
  readonly orderId: string;
  readonly status: ReservationStatus;
  readonly lines: StockLine[];
  readonly version: number;
  /** `expires_at <= now()`. */
  readonly due: boolean;
}

/** A held reservation past its deadline, read unlocked, with the SKUs whose stock rows its release locks. */
export interface OverdueReservation {
  readonly orderId: string;
  readonly skus: readonly string[];
}

export type NewReservation = Pick<LockedReservation, 'orderId' | 'status' | 'lines'> & { readonly expiresAt: Date };

/** One reservation per order. Methods taking a manager run in the caller's transaction. */
export abstract class ReservationStore {
  /**
   * Records each order's decision unless it has one (a tombstone, an earlier delivery); answers
   * the orders whose row this created. A concurrent insert of an order makes this wait, then yield.
   */
  abstract claim(manager: EntityManager, reservations: readonly NewReservation[]): Promise<Set<string>>;
  /** Locks these orders' reservations in order id order; an order without one is absent. */
  abstract lock(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, LockedReservation>>;
  /** Moves locked reservations to one next status; returns their new versions by order id. */
  abstract move(
    manager: EntityManager,
    orderIds: readonly string[],
    to: ReservationStatus,
  ): Promise<Map<string, number>>;
  /**
   * Held reservations past their deadline (database clock), oldest first, at most `limit`,
   * unlocked: the sweeper's candidates. Lines never change once written, so their SKUs are exact.
   */
  abstract overdue(limit: number): Promise<OverdueReservation[]>;
}
