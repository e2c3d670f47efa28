import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OrderConfirmed, StockCommitted, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, Outbox, type IntegrationEventHandler } from '#libs/messaging';
import { onOrderConfirmed } from '../../domain/reservation';
import { takeFromAvailable, type StockLine } from '../../domain/stock-reservation';
import { lockReservation, moveReservation } from '../../infrastructure/reservation-store';
import { commitUnits, lockForChange, lockStock } from '../../infrastructure/stock-ledger';

/**
 * A confirmed order's reserved units leave stock for good (on hand and reserved both drop,
 * one 'commit' movement per SKU). The edge: the reservation expired and was released just
 * before the confirmation arrived (payment succeeded at the last moment). The units are then
 * taken again from what is available; when some are no longer there, what is there is
 * committed, the shortfall is logged as a warning (an oversell for someone to resolve), and
 * StockCommitted lists the units that actually left stock.
 */
@OnIntegrationEvent(OrderConfirmed)
export class CommitStockForConfirmedOrderHandler implements IntegrationEventHandler<PayloadOf<typeof OrderConfirmed>> {
  private readonly logger = new Logger('Inventory');

  constructor(private readonly outbox: Outbox) {}

  async handle(event: EventEnvelope<PayloadOf<typeof OrderConfirmed>>, manager: EntityManager): Promise<void> {
    const { orderId } = event.payload;
    const reservation = await lockReservation(manager, orderId);
    const action = onOrderConfirmed(reservation?.status);
    if (!reservation || action === 'unexpected') {
      this.logger.warn(
        `order ${orderId} was confirmed but its reservation is ${reservation?.status ?? 'missing'}; stock is unchanged`,
      );
      return;
    }
    if (action === 'ignore') return; // already committed: a re-published confirmation
    const reason = `order ${orderId} confirmed`;
    if (action === 'commit') {
      await lockForChange(manager, reservation.lines);
      await commitUnits(manager, reservation.lines, { fromReserved: true, reason });
      await this.committed(manager, orderId, reservation.lines);
      return;
    }
    // Released just before: take the units again from what is available, as many as there are.
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
    await commitUnits(manager, taken, { fromReserved: false, reason: `${reason} after its reservation expired` });
    await this.committed(manager, orderId, taken);
  }

  private async committed(manager: EntityManager, orderId: string, lines: readonly StockLine[]): Promise<void> {
    const version = await moveReservation(manager, orderId, 'committed');
    if (lines.length === 0) return; // nothing left stock: StockCommitted needs at least one line
    await this.outbox.publish(
      manager,
      StockCommitted,
      { orderId, lines: [...lines] },
      { aggregateId: orderId, aggregateVersion: version },
    );
  }
}
