import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventKey, OrderCancelled, OrderConfirmed, OrderPlaced, type EventEnvelope } from '#libs/contracts';
import type { InboxLockOrder } from '#libs/messaging';
import { lockStock } from '../../infrastructure/stock-ledger';

/** The order events whose handlers change stock; each carries the order's lines with their SKUs. */
const STOCK_CHANGING = new Set([OrderPlaced, OrderCancelled, OrderConfirmed].map(eventKey));

/**
 * Before an inbox transaction handles its events, locks the stock row of every SKU they name,
 * in SKU order. Handlers then lock their own order's rows again (no-ops) and the order's
 * reservation row after them, so every transaction that changes stock takes stock rows in
 * one global order and reservation rows only once it holds them: two batches over the same
 * SKUs queue instead of deadlocking, and batches over different SKUs run side by side
 * (in any number of inventory workers).
 */
@Injectable()
export class StockLockOrder implements InboxLockOrder {
  async lockFor(events: readonly EventEnvelope[], manager: EntityManager): Promise<void> {
    const skus = new Set<string>();
    for (const event of events) {
      if (!STOCK_CHANGING.has(eventKey(event))) continue;
      for (const line of (event.payload as { lines: readonly { sku: string }[] }).lines) skus.add(line.sku);
    }
    if (skus.size > 0) await lockStock(manager, [...skus]);
  }
}
