import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StockReserved, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions } from '../order-transitions';

/** Inventory holds the order's stock: `pending` -> `stock_reserved` (anything else: no change). */
@OnIntegrationEvent(StockReserved)
export class RecordStockReservedHandler implements IntegrationEventHandler<PayloadOf<typeof StockReserved>> {
  private readonly logger = new Logger('Ordering');

  constructor(private readonly transitions: OrderTransitions) {}

  handle(event: EventEnvelope<PayloadOf<typeof StockReserved>>, manager: EntityManager): Promise<void> {
    return this.handleMany([event], manager);
  }

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReserved>>[],
    manager: EntityManager,
  ): Promise<void> {
    const applied = await this.transitions.applyEach(
      manager,
      events.map((event) => ({
        orderId: event.payload.orderId,
        step: (order, now) => order.stockReserved(now),
        cause: event,
      })),
    );
    events.forEach((event, i) => {
      if (!applied[i]) this.logger.warn(`stock reserved for unknown order ${event.payload.orderId}; ignored`);
    });
  }
}
