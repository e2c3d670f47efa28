import type { EntityManager } from 'typeorm';
import { StockReleased } from '#libs/contracts';
import type { Outbox } from '#libs/messaging';
import { canTransition } from '../domain/reservation';
import { changeReserved, lockForChange } from '../infrastructure/stock-ledger';
import { moveReservation, type LockedReservation } from '../infrastructure/reservation-store';

/**
 * Gives a held reservation's units back to available stock and announces it: shared by the
 * cancellation of an order and the expiry job. The caller holds the reservation's row lock.
 */
export async function releaseReservation(
  manager: EntityManager,
  outbox: Outbox,
  reservation: LockedReservation,
  reason: 'expired' | 'order_cancelled',
): Promise<void> {
  if (!canTransition(reservation.status, 'released')) {
    throw new Error(`reservation of order ${reservation.orderId} is ${reservation.status}; it cannot be released`);
  }
  await lockForChange(manager, reservation.lines);
  await changeReserved(manager, reservation.lines, -1);
  const version = await moveReservation(manager, reservation.orderId, 'released');
  await outbox.publish(
    manager,
    StockReleased,
    { orderId: reservation.orderId, reason, lines: reservation.lines },
    { aggregateId: reservation.orderId, aggregateVersion: version },
  );
}
