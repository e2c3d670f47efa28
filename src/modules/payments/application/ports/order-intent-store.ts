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
   * Records that the orders' stock is reserved, locking their intents until the transaction ends.
   * Returns those whose OrderPlaced was recorded and that are not cancelled: theirs to pay now;
   * the others start when OrderPlaced lands.
   */
  abstract recordStockReserved(manager: EntityManager, orderIds: readonly string[]): Promise<OrderIntent[]>;
  /** Marks the order's intent cancelled, creating it when the cancellation came first. */
  abstract recordCancelled(
    manager: EntityManager,
    intent: Omit<OrderIntent, 'paymentMethod' | 'cancelled'>,
  ): Promise<void>;
}
