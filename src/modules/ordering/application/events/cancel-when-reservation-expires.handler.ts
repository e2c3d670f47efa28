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

  async handle(event: EventEnvelope<PayloadOf<typeof StockReleased>>, manager: EntityManager): Promise<void> {
    if (event.payload.reason !== 'expired') return;
    const applied = await this.transitions.apply(manager, event.payload.orderId, (order, now) =>
      order.reservationExpired(now),
    );
    if (!applied) this.logger.warn(`reservation expired for unknown order ${event.payload.orderId}; ignored`);
  }
}
