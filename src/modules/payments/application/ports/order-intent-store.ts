import type { EntityManager } from 'typeorm';
import type { Money } from '../../domain/payment';

/**
 * What a payment of an order will need, kept from `OrderPlaced` until its stock is reserved,
 * whichever of the two events comes first.
 */
export interface OrderIntent {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: Money;
  /** Empty while OrderPlaced has not been heard (only the cancellation, or the reservation). */
  readonly paymentMethod: string;
  readonly cancelled: boolean;
}

export type PlacedOrder = Omit<OrderIntent, 'cancelled'>;

export abstract class OrderIntentStore {
  /**
   * Records placed orders; an intent the cancellation created first keeps `cancelled`.
   * Returns those whose stock was reserved first and that are not cancelled: theirs to pay now.
   */
  abstract recordPlaced(manager: EntityManager, orders: readonly PlacedOrder[]): Promise<OrderIntent[]>;
  /**
   * Records that the orders' stock is reserved while their intents are not known. Returns those
   * whose OrderPlaced was recorded meanwhile (a transaction that committed since they were
   * read) and that are not cancelled: theirs to pay now; the others start when it lands.
   */
  abstract recordStockReserved(manager: EntityManager, orderIds: readonly string[]): Promise<OrderIntent[]>;
  /** Marks the order's intent cancelled, creating it when the cancellation came first. */
  abstract recordCancelled(
    manager: EntityManager,
    intent: Omit<OrderIntent, 'paymentMethod' | 'cancelled'>,
  ): Promise<void>;
  abstract findMany(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, OrderIntent>>;
}
