import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StockReservationFailed, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions } from '../order-transitions';

/** Inventory could not reserve every line: a `pending` order is cancelled `out_of_stock`. */
@OnIntegrationEvent(StockReservationFailed)
export class CancelWhenStockShortHandler implements IntegrationEventHandler<PayloadOf<typeof StockReservationFailed>> {
  private readonly logger = new Logger('Ordering');

  constructor(private readonly transitions: OrderTransitions) {}

  handle(event: EventEnvelope<PayloadOf<typeof StockReservationFailed>>, manager: EntityManager): Promise<void> {
    return this.handleMany([event], manager);
  }

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReservationFailed>>[],
    manager: EntityManager,
  ): Promise<void> {
    const applied = await this.transitions.applyEach(
      manager,
      events.map((event) => ({
        orderId: event.payload.orderId,
        step: (order, now) => order.stockReservationFailed(now),
        cause: event,
      })),
    );
    events.forEach((event, i) => {
      if (!applied[i]) this.logger.warn(`stock reservation failed for unknown order ${event.payload.orderId}; ignored`);
    });
  }
}
