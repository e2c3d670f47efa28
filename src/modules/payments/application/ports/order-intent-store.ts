import type { EntityManager } from 'typeorm';
import type { Money } from '../../domain/payment';

/** What a payment of an order will need, kept from `OrderPlaced` until its stock is reserved. */
export interface OrderIntent {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: Money;
  /** Empty while only the order's cancellation has been heard. */
  readonly paymentMethod: string;
  readonly cancelled: boolean;
}

export abstract class OrderIntentStore {
  /** Records placed orders; an intent the cancellation created first keeps `cancelled`. */
  abstract recordPlaced(manager: EntityManager, intents: readonly Omit<OrderIntent, 'cancelled'>[]): Promise<void>;
  /** Marks the order's intent cancelled, creating it when the cancellation came first. */
  abstract recordCancelled(
    manager: EntityManager,
    intent: Omit<OrderIntent, 'paymentMethod' | 'cancelled'>,
  ): Promise<void>;
  abstract findMany(manager: EntityManager, orderIds: readonly string[]): Promise<Map<string, OrderIntent>>;
}
