import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OrderConfirmed, StockCommitted, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, Outbox, type IntegrationEventHandler } from '#libs/messaging';
import { onOrderConfirmed } from '../../domain/reservation';
import { takeFromAvailable, type StockLine } from '../../domain/stock-reservation';
import { lockReservations, moveReservations, type LockedReservation } from '../../infrastructure/reservation-store';
import { commitUnits, lockStock } from '../../infrastructure/stock-ledger';

type Confirmation = EventEnvelope<PayloadOf<typeof OrderConfirmed>>;

/**
 * A confirmed order's reserved units leave stock for good (on hand and reserved both drop,
 * one 'commit' movement per SKU). The edge: the reservation expired and was released just
 * before the confirmation arrived (payment succeeded at the last moment). The units are then
 * taken again from what is available; when some are no longer there, what is there is
 * committed, the shortfall is logged as a warning (an oversell for someone to resolve), and
 * StockCommitted lists the units that actually left stock.
 *
 * The confirmations of one inbox transaction are committed together, in four round trips in
 * all (their reservations locked, their units committed, their reservations moved, their
 * events written; the stock rows are locked already, by `StockLockOrder`). The edge, rare,
 * takes its own statements after them.
 */
@OnIntegrationEvent(OrderConfirmed)
export class CommitStockForConfirmedOrderHandler implements IntegrationEventHandler<PayloadOf<typeof OrderConfirmed>> {
  private readonly logger = new Logger('Inventory');

  constructor(private readonly outbox: Outbox) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof OrderConfirmed>>[],
    manager: EntityManager,
  ): Promise<void> {
    const reservations = await lockReservations(
      manager,
      events.map((event) => event.payload.orderId),
    );
    const fromReserved: { event: Confirmation; reservation: LockedReservation }[] = [];
    const afterRelease: { event: Confirmation; reservation: LockedReservation }[] = [];
    const decided = new Set<string>();
    for (const event of events) {
      const { orderId } = event.payload;
      const reservation = reservations.get(orderId);
      // A second confirmation of an order in this batch finds it committed by the first.
      const action = decided.has(orderId) ? 'ignore' : onOrderConfirmed(reservation?.status);
      if (!reservation || action === 'unexpected') {
        this.logger.warn(
          `order ${orderId} was confirmed but its reservation is ${reservation?.status ?? 'missing'}; stock is unchanged`,
        );
        continue;
      }
      if (action === 'ignore') continue; // already committed: a re-published confirmation
      decided.add(orderId);
      (action === 'commit' ? fromReserved : afterRelease).push({ event, reservation });
    }
    await commitUnits(
      manager,
      fromReserved.flatMap(({ reservation }) =>
        reservation.lines.map((line) => ({ ...line, reason: `order ${reservation.orderId} confirmed` })),
      ),
      { fromReserved: true },
    );
    await this.committed(
      manager,
      fromReserved.map(({ event, reservation }) => ({ event, lines: reservation.lines })),
    );
    for (const { event, reservation } of afterRelease) await this.commitAfterRelease(manager, event, reservation);
  }

  /** Released just before: take the units again from what is available, as many as there are. */
  private async commitAfterRelease(
    manager: EntityManager,
    event: Confirmation,
    reservation: LockedReservation,
  ): Promise<void> {
    const { orderId } = event.payload;
    const available = await lockStock(
      manager,
      reservation.lines.map((line) => line.sku),
    );
    const { taken, short } = takeFromAvailable(available, reservation.lines);
    if (short.length > 0) {
      this.logger.warn(
        `order ${orderId} was confirmed after its reservation expired and stock is short: ` +
          `${JSON.stringify(short)}; committed ${JSON.stringify(taken)}`,
      );
    }
    const reason = `order ${orderId} confirmed after its reservation expired`;
    await commitUnits(
      manager,
      taken.map((line) => ({ ...line, reason })),
      { fromReserved: false },
    );
    await this.committed(manager, [{ event, lines: taken }]);
  }

  /** Marks the reservations committed and announces the units that left stock, each caused by its confirmation. */
  private async committed(
    manager: EntityManager,
    commits: readonly { event: Confirmation; lines: readonly StockLine[] }[],
  ): Promise<void> {
    const versions = await moveReservations(
      manager,
      commits.map(({ event }) => event.payload.orderId),
      'committed',
    );
    await this.outbox.publishEach(
      manager,
      // Nothing left stock: StockCommitted needs at least one line.
      commits
        .filter(({ lines }) => lines.length > 0)
        .map(({ event, lines }) => {
          const { orderId } = event.payload;
          const version = versions.get(orderId);
          if (version === undefined) throw new Error(`reservation of order ${orderId} vanished under its lock`);
          return {
            event: StockCommitted,
            payload: { orderId, lines: [...lines] },
            aggregate: { aggregateId: orderId, aggregateVersion: version },
            cause: event,
          };
        }),
    );
  }
}
