import type { EntityManager } from 'typeorm';
import { OrderCancelled, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, Outbox, type IntegrationEventHandler } from '#libs/messaging';
import { onOrderCancelled } from '../../domain/reservation';
import { mergeLines } from '../../domain/stock-reservation';
import { claimReservation, lockReservation } from '../../infrastructure/reservation-store';
import { releaseReservation } from '../release-reservation';

/**
 * A cancelled order's held units go back to available stock. A cancellation that overtakes
 * its OrderPlaced leaves a tombstone (`cancelled_before_placed`) so the late OrderPlaced
 * reserves nothing. Refused, released and committed reservations are left as they are (a
 * refund of a committed order does not restock by itself: returns are counted in by an admin).
 */
@OnIntegrationEvent(OrderCancelled)
export class ReleaseStockForCancelledOrderHandler implements IntegrationEventHandler<PayloadOf<typeof OrderCancelled>> {
  constructor(private readonly outbox: Outbox) {}

  async handle(event: EventEnvelope<PayloadOf<typeof OrderCancelled>>, manager: EntityManager): Promise<void> {
    const { orderId } = event.payload;
    // The tombstone, unless a reservation exists (or is being inserted: then this waits for it).
    const tombstoned = await claimReservation(manager, {
      orderId,
      status: 'cancelled_before_placed',
      lines: mergeLines(event.payload.lines),
      expiresAt: new Date(),
    });
    if (tombstoned) return;
    const reservation = await lockReservation(manager, orderId);
    if (reservation && onOrderCancelled(reservation.status) === 'release') {
      await releaseReservation(manager, this.outbox, reservation, 'order_cancelled');
    }
  }
}
