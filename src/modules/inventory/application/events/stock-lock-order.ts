import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventKey, OrderCancelled, OrderConfirmed, OrderPlaced, type EventEnvelope } from '#libs/contracts';
import type { InboxLockOrder } from '#libs/messaging';
import { StockLedger } from '../ports/stock-ledger';

/** The order events whose handlers change stock; each carries the order's lines with their SKUs. */
const STOCK_CHANGING = new Set([OrderPlaced, OrderCancelled, OrderConfirmed].map(eventKey));

/**
 * Locks the stock rows of every SKU an inbox transaction's events name, in SKU order, before any
 * handler runs: batches over the same SKUs then queue instead of deadlocking.
 */
@Injectable()
export class StockLockOrder implements InboxLockOrder {
  constructor(private readonly stock: StockLedger) {}

  async lockFor(events: readonly EventEnvelope[], manager: EntityManager): Promise<void> {
    const skus = new Set<string>();
    for (const event of events) {
      if (!STOCK_CHANGING.has(eventKey(event))) continue;
      for (const line of (event.payload as { lines: readonly { sku: string }[] }).lines) skus.add(line.sku);
    }
    if (skus.size > 0) await this.stock.lockStock(manager, [...skus]);
  }
}
