import type { EntityManager } from 'typeorm';
import { ProductCreated, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { ensureStockRow, ensureStockRows } from '../../infrastructure/stock-ledger';

/** A new product gets a stock row at zero, so admins can count it in and orders see it (as unavailable). */
@OnIntegrationEvent(ProductCreated)
export class CreateStockForProductHandler implements IntegrationEventHandler<PayloadOf<typeof ProductCreated>> {
  async handle(event: EventEnvelope<PayloadOf<typeof ProductCreated>>, manager: EntityManager): Promise<void> {
    await ensureStockRow(manager, event.payload.sku);
  }

  async handleMany(
    events: readonly EventEnvelope<PayloadOf<typeof ProductCreated>>[],
    manager: EntityManager,
  ): Promise<void> {
    await ensureStockRows(
      manager,
      events.map((event) => event.payload.sku),
    );
  }
}
