import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OrderConfirmed, StockCommitted, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, Outbox, type IntegrationEventHandler } from '#libs/messaging';
import { onOrderConfirmed } from '../../domain/reservation';
import { takeFromAvailable, type StockLine } from '../../domain/stock-reservation';
import { ReservationStore, type LockedReservation } from '../ports/reservation-store';
import { StockLedger } from '../ports/stock-ledger';

type Confirmation = EventEnvelope<PayloadOf<typeof OrderConfirmed>>;

/**
 * A confirmed order's reserved units leave stock for good; after a just-expired reservation they
 * are taken from what is available (this module's README, "The expiry / confirmation edge").
 */
@OnIntegrationEvent(OrderConfirmed)
export class CommitStockForConfirmedOrderHandler implements IntegrationEventHandler<PayloadOf<typeof OrderConfirmed>> {
  private readonly logger = new Logger('Inventory');

  constructor(
    private readonly outbox: Outbox,
    private readonly stock: StockLedger,
    private readonly reservations: ReservationStore,
  ) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof OrderConfirmed>>[],
    manager: EntityManager,
  ): Promise<void> {
    const orderIds = events.map((event) => event.payload.orderId);
    const reservations = await this.reservations.lock(manager, orderIds);
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
    const units = fromReserved.flatMap(({ reservation: { orderId, lines } }) =>
      lines.map((line) => ({ ...line, reason: `order ${orderId} confirmed` })),
    );
    await this.stock.commitUnits(manager, units, { fromReserved: true });
    const commits = fromReserved.map(({ event, reservation }) => ({ event, lines: reservation.lines }));
    await this.committed(manager, commits);
    for (const { event, reservation } of afterRelease) await this.commitAfterRelease(manager, event, reservation);
  }

  /** Released just before: take the units again from what is available, as many as there are. */
  private async commitAfterRelease(
    manager: EntityManager,
    event: Confirmation,
    reservation: LockedReservation,
  ): Promise<void> {
    const { orderId } = event.payload;
    const skus = reservation.lines.map((line) => line.sku);
    const available = await this.stock.lockStock(manager, skus);
    const { taken, short } = takeFromAvailable(available, reservation.lines);
    if (short.length > 0) {
      this.logger.warn(
        `order ${orderId} was confirmed after its reservation expired and stock is short: ` +
          `${JSON.stringify(short)}; committed ${JSON.stringify(taken)}`,
      );
    }
    const reason = `order ${orderId} confirmed after its reservation expired`;
    const units = taken.map((line) => ({ ...line, reason }));
    await this.stock.commitUnits(manager, units, { fromReserved: false });
    await this.committed(manager, [{ event, lines: taken }]);
  }

  /** Marks the reservations committed and announces the units that left stock, each caused by its confirmation. */
  private async committed(
    manager: EntityManager,
    commits: readonly { event: Confirmation; lines: readonly StockLine[] }[],
  ): Promise<void> {
    const orderIds = commits.map(({ event }) => event.payload.orderId);
    const versions = await this.reservations.move(manager, orderIds, 'committed');
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
