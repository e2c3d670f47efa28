import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions } from '../order-transitions';

/** Inventory holds the order's stock: `pending` -> `stock_reserved` (anything else: no change). */
@OnIntegrationEvent(StockReserved)
export class RecordStockReservedHandler implements IntegrationEventHandler<PayloadOf<typeof StockReserved>> {
  constructor(private readonly transitions: OrderTransitions) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReserved>>[],
    manager: EntityManager,
  ): Promise<void> {
    await this.transitions.applyToEvents(
      manager,
      events,
      (order, now) => order.stockReserved(now),
      () => 'stock reserved',
    );
  }
}
