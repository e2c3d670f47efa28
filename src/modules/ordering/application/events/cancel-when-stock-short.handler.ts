import type { EntityManager } from 'typeorm';
import { StockReservationFailed, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions } from '../order-transitions';

/** Inventory could not reserve every line: a `pending` order is cancelled `out_of_stock`. */
@OnIntegrationEvent(StockReservationFailed)
export class CancelWhenStockShortHandler implements IntegrationEventHandler<PayloadOf<typeof StockReservationFailed>> {
  constructor(private readonly transitions: OrderTransitions) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReservationFailed>>[],
    manager: EntityManager,
  ): Promise<void> {
    await this.transitions.applyToEvents(
      manager,
      events,
      (order, now) => order.stockReservationFailed(now),
      () => 'stock reservation failed',
    );
  }
}
