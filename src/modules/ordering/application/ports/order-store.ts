import type { EntityManager } from 'typeorm';
import type { OrderState } from '../../domain/order';
import type { OrderCursor } from '../../domain/order-cursor';

/** Where orders are kept. Methods given an `EntityManager` run in the caller's transaction. */
export abstract class OrderStore {
  /** Locked FOR UPDATE in id order, so overlapping sets queue instead of deadlocking; an unknown id is absent. */
  abstract lock(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, OrderState>>;

  /** Writes the transitions (status, reason, version) of orders locked by `lock`, in one statement. */
  abstract saveTransitions(manager: EntityManager, orders: readonly OrderState[]): Promise<void>;

  /** Unsettled orders past `deadlineSeconds`, unlocked: candidates the sweeper locks and decides again. */
  abstract pastDeadline(deadlineSeconds: number, limit: number): Promise<string[]>;

  /** One order, from data at least as fresh as `atLeastLsn`. */
  abstract find(orderId: string, atLeastLsn?: string): Promise<OrderState | undefined>;

  /** Up to `limit` of a customer's orders after `cursor`, newest first (creation time, then id). */
  abstract listByCustomer(
    customerId: string,
    limit: number,
    cursor: OrderCursor | undefined,
    atLeastLsn?: string,
  ): Promise<OrderState[]>;
}
