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
  constructor(private readonly transitions: OrderTransitions) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof StockReleased>>[],
    manager: EntityManager,
  ): Promise<void> {
    const relevant = events.filter((event) => event.payload.reason === 'expired');
    if (relevant.length === 0) return;
    await this.transitions.applyToEvents(
      manager,
      relevant,
      (order, now) => order.reservationExpired(now),
      () => 'reservation expired',
    );
  }
}
