import type { EntityManager } from 'typeorm';
import { ProductCreated, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { StockLedger } from '../ports/stock-ledger';

/** A new product gets a stock row at zero, so admins can count it in and orders see it (as unavailable). */
@OnIntegrationEvent(ProductCreated)
export class CreateStockForProductHandler implements IntegrationEventHandler<PayloadOf<typeof ProductCreated>> {
  constructor(private readonly stock: StockLedger) {}

  async handle(event: EventEnvelope<PayloadOf<typeof ProductCreated>>, manager: EntityManager): Promise<void> {
    await this.stock.ensureStockRows(manager, [event.payload.sku]);
  }

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof ProductCreated>>[],
    manager: EntityManager,
  ): Promise<void> {
    const skus = events.map((event) => event.payload.sku);
    await this.stock.ensureStockRows(manager, skus);
  }
}
