import type { EntityManager } from 'typeorm';
import { OrderCancelled, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, Outbox, type IntegrationEventHandler } from '#libs/messaging';
import { onOrderCancelled } from '../../domain/reservation';
import { mergeLines } from '../../domain/stock-reservation';
import { ReservationStore } from '../ports/reservation-store';
import { StockLedger } from '../ports/stock-ledger';
import { releaseReservations } from '../release-reservation';

/** A cancelled order's held units go back to stock; a cancellation before its OrderPlaced leaves a tombstone. */
@OnIntegrationEvent(OrderCancelled)
export class ReleaseStockForCancelledOrderHandler implements IntegrationEventHandler<PayloadOf<typeof OrderCancelled>> {
  constructor(
    private readonly outbox: Outbox,
    private readonly stock: StockLedger,
    private readonly reservations: ReservationStore,
  ) {}

  async handle(event: EventEnvelope<PayloadOf<typeof OrderCancelled>>, manager: EntityManager): Promise<void> {
    const { orderId } = event.payload;
    // The tombstone, unless a reservation exists (or is being inserted: then this waits for it).
    const lines = mergeLines(event.payload.lines);
    const tombstone = { orderId, status: 'cancelled_before_placed' as const, lines, expiresAt: new Date() };
    if ((await this.reservations.claim(manager, [tombstone])).size === 1) return;
    const reservation = (await this.reservations.lock(manager, [orderId])).get(orderId);
    if (reservation && onOrderCancelled(reservation.status) === 'release') {
      const ports = { outbox: this.outbox, stock: this.stock, reservations: this.reservations };
      await releaseReservations(manager, ports, [reservation], 'order_cancelled');
    }
  }
}
