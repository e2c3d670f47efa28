import type { EntityManager } from 'typeorm';
import { StockReleased } from '#libs/contracts';
import type { Outbox } from '#libs/messaging';
import { canTransition } from '../domain/reservation';
import { mergeLines } from '../domain/stock-reservation';
import type { LockedReservation, ReservationStore } from './ports/reservation-store';
import type { StockLedger } from './ports/stock-ledger';

/**
 * Gives held, row-locked reservations' units back to stock and announces each, set-wise: one
 * statement for the stock, one for the reservations, one for the events. On cancellation or expiry.
 */
export async function releaseReservations(
  manager: EntityManager,
  ports: { outbox: Outbox; stock: StockLedger; reservations: ReservationStore },
  reservations: readonly LockedReservation[],
  reason: 'expired' | 'order_cancelled',
): Promise<void> {
  if (reservations.length === 0) return;
  for (const { orderId, status } of reservations) {
    if (!canTransition(status, 'released')) {
      throw new Error(`reservation of order ${orderId} is ${status}; it cannot be released`);
    }
  }
  const lines = mergeLines(reservations.flatMap((reservation) => reservation.lines));
  // Several rows are locked in SKU order first (no-ops where the caller holds them); one row needs no ordering.
  if (lines.length > 1)
    await ports.stock.lockStock(
      manager,
      lines.map((line) => line.sku),
    );
  await ports.stock.changeReserved(manager, lines, -1);
  const versions = await ports.reservations.move(
    manager,
    reservations.map((reservation) => reservation.orderId),
    'released',
  );
  await ports.outbox.publishEach(
    manager,
    reservations.map(({ orderId, lines: held }) => {
      const version = versions.get(orderId);
      if (version === undefined) throw new Error(`reservation of order ${orderId} vanished under its lock`);
      return {
        event: StockReleased,
        payload: { orderId, reason, lines: held },
        aggregate: { aggregateId: orderId, aggregateVersion: version },
      };
    }),
  );
}
