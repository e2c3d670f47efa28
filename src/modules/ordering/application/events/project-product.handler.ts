import type { EntityManager } from 'typeorm';
import { ProductArchived, ProductCreated, ProductUpdated, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { applyProductArchived, applyProductState } from '../../infrastructure/product-projection';

/*
 * Ordering's copy of the catalog: each product's SKU, name, price and status, kept from the
 * catalog's product events and versioned by their aggregate version, so an event that
 * arrives late (or twice) never moves a product back to an older state. Orders are priced
 * from this copy only.
 */

type ProductState = PayloadOf<typeof ProductCreated>;

function applyState(event: EventEnvelope<ProductState>, manager: EntityManager): Promise<void> {
  const { productId, sku, name, price, status } = event.payload;
  return applyProductState(manager, { productId, sku, name, price, status }, event.aggregateVersion);
}

@OnIntegrationEvent(ProductCreated)
export class ProjectCreatedProductHandler implements IntegrationEventHandler<ProductState> {
  handle(event: EventEnvelope<ProductState>, manager: EntityManager): Promise<void> {
    return applyState(event, manager);
  }
}

@OnIntegrationEvent(ProductUpdated)
export class ProjectUpdatedProductHandler implements IntegrationEventHandler<ProductState> {
  handle(event: EventEnvelope<ProductState>, manager: EntityManager): Promise<void> {
    return applyState(event, manager);
  }
}

@OnIntegrationEvent(ProductArchived)
export class ProjectArchivedProductHandler implements IntegrationEventHandler<PayloadOf<typeof ProductArchived>> {
  handle(event: EventEnvelope<PayloadOf<typeof ProductArchived>>, manager: EntityManager): Promise<void> {
    return applyProductArchived(manager, event.payload.productId, event.payload.sku, event.aggregateVersion);
  }
}
