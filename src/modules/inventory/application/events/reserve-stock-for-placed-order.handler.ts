import { Inject } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  OrderPlaced,
  StockReservationFailed,
  StockReserved,
  type EventEnvelope,
  type PayloadOf,
} from '#libs/contracts';
import { SETTINGS } from '#libs/config';
import type { InventorySettings } from '../../inventory.settings';
import { OnIntegrationEvent, Outbox, type IntegrationEventHandler } from '#libs/messaging';
import { decideReservationsInTurn, mergeLines } from '../../domain/stock-reservation';
import { ReservationStore } from '../ports/reservation-store';
import { StockLedger } from '../ports/stock-ledger';

/**
 * Reserves every line of a placed order, or none, from stock rows locked before they are read.
 * An inbox transaction's orders are decided together (docs/decisions/0007-set-wise-inbox-handlers.md).
 */
@OnIntegrationEvent(OrderPlaced)
export class ReserveStockForPlacedOrderHandler implements IntegrationEventHandler<PayloadOf<typeof OrderPlaced>> {
  constructor(
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: InventorySettings,
    private readonly stock: StockLedger,
    private readonly reservations: ReservationStore,
  ) {}

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof OrderPlaced>>[],
    manager: EntityManager,
  ): Promise<void> {
    const orders = events.map((event) => ({ event, lines: mergeLines(event.payload.lines) }));
    const available = await this.stock.lockStock(manager, [
      ...new Set(orders.flatMap(({ lines }) => lines.map((l) => l.sku))),
    ]);
    const decisions = decideReservationsInTurn(
      available,
      orders.map(({ lines }) => lines),
    );
    const now = Date.now();
    const decided = orders.map(({ event, lines }, i) => {
      const decision = decisions[i]!;
      const expiresAt = new Date(decision.kind === 'reserved' ? now + this.settings.reservationTtlSeconds * 1000 : now);
      return { event, lines, decision, expiresAt };
    });
    const claimed = await this.reservations.claim(
      manager,
      decided.map(({ event, lines, decision, expiresAt }) => ({
        orderId: event.payload.orderId,
        status: decision.kind,
        lines,
        expiresAt,
      })),
    );
    if (claimed.size < decided.length) {
      // A lone order decided before (an earlier delivery, or a tombstone) changes nothing.
      if (decided.length === 1) return;
      // In a batch, the decisions after such an order counted units it does not take: the
      // inbox rolls this back and hands each event back here alone.
      throw new Error('an order of the batch already has a decision; deciding one at a time');
    }
    const reserved = decided.filter(({ decision }) => decision.kind === 'reserved');
    if (reserved.length > 0)
      await this.stock.changeReserved(manager, mergeLines(reserved.flatMap(({ lines }) => lines)), 1);
    await this.outbox.publishEach(
      manager,
      decided.map(({ event, decision, expiresAt }) => {
        const { orderId } = event.payload;
        const aggregate = { aggregateId: orderId, aggregateVersion: 1 };
        return decision.kind === 'reserved'
          ? {
              event: StockReserved,
              payload: { orderId, lines: [...decision.lines], expiresAt: expiresAt.toISOString() },
              aggregate,
              cause: event,
            }
          : {
              event: StockReservationFailed,
              payload: { orderId, shortLines: [...decision.shortLines] },
              aggregate,
              cause: event,
            };
      }),
    );
  }
}
