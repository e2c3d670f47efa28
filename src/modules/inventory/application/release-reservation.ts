import type { EntityManager } from 'typeorm';
import { StockReleased } from '#libs/contracts';
import type { Outbox } from '#libs/messaging';
import { canTransition } from '../domain/reservation';
import type { LockedReservation, ReservationStore } from './ports/reservation-store';
import type { StockLedger } from './ports/stock-ledger';

/** Gives a held, row-locked reservation's units back to stock and announces it: on cancellation or expiry. */
export async function releaseReservation(
  manager: EntityManager,
  ports: { outbox: Outbox; stock: StockLedger; reservations: ReservationStore },
  reservation: LockedReservation,
  reason: 'expired' | 'order_cancelled',
): Promise<void> {
  const { orderId, lines } = reservation;
  const skus = lines.map((line) => line.sku);
  if (!canTransition(reservation.status, 'released')) {
    throw new Error(`reservation of order ${orderId} is ${reservation.status}; it cannot be released`);
  }
  // Several rows are locked in SKU order first; a single row needs no ordering.
  if (skus.length > 1) await ports.stock.lockStock(manager, skus);
  await ports.stock.changeReserved(manager, lines, -1);
  const version = (await ports.reservations.move(manager, [orderId], 'released')).get(orderId);
  if (version === undefined) throw new Error(`reservation of order ${orderId} vanished under its lock`);
  await ports.outbox.publish(
    manager,
    StockReleased,
    { orderId, reason, lines },
    { aggregateId: orderId, aggregateVersion: version },
  );
}
