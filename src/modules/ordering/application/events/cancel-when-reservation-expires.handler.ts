import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { StockReleased, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { OrderTransitions } from '../order-transitions';

/**
 * Inventory gave the order's stock back. Because the reservation expired: an unpaid order is
 * cancelled `reservation_expired`. Because the order was cancelled: that is ordering's own
 * doing, nothing changes.
 */
@OnIntegrationEvent(StockReleased)
export class CancelWhenReservationExpiresHandler implements IntegrationEventHandler<PayloadOf<typeof StockReleased>> {
  private readonly logger = new Logger('Ordering');

  constructor(private readonly transitions: OrderTransitions) {}

  handle(event: EventEnvelope<PayloadOf<typeof StockReleased>>, manager: EntityManager): Promise<void> {
    return this.handleMany([event], manager);
  }

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReleased>>[],
    manager: EntityManager,
  ): Promise<void> {
    const relevant = events.filter((event) => event.payload.reason === 'expired');
    if (relevant.length === 0) return;
    const applied = await this.transitions.applyEach(
      manager,
      relevant.map((event) => ({
        orderId: event.payload.orderId,
        step: (order, now) => order.reservationExpired(now),
        cause: event,
      })),
    );
    relevant.forEach((event, i) => {
      if (!applied[i]) this.logger.warn(`reservation expired for unknown order ${event.payload.orderId}; ignored`);
    });
  }
}
