import type { EntityManager } from 'typeorm';
import { ProductArchived, ProductCreated, ProductUpdated, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { applyProductArchived, applyProductState, applyProductStates } from '../../infrastructure/product-projection';

/*
 * Ordering's copy of the catalog: each product's SKU, name, price and status, kept from the
 * catalog's product events and versioned by their aggregate version, so an event that
 * arrives late (or twice) never moves a product back to an older state. Orders are priced
 * from this copy only.
 */

type ProductState = PayloadOf<typeof ProductCreated>;

function snapshotOf(event: EventEnvelope<ProductState>) {
  const { productId, sku, name, price, status } = event.payload;
  return { productId, sku, name, price, status };
}

function applyState(event: EventEnvelope<ProductState>, manager: EntityManager): Promise<void> {
  return applyProductState(manager, snapshotOf(event), event.aggregateVersion);
}

// A catalogue import or a price change across a category arrives as a burst of these.
function applyStates(events: readonly EventEnvelope<ProductState>[], manager: EntityManager): Promise<void> {
  return applyProductStates(
    manager,
    events.map((event) => ({ product: snapshotOf(event), version: event.aggregateVersion })),
  );
}

@OnIntegrationEvent(ProductCreated)
export class ProjectCreatedProductHandler implements IntegrationEventHandler<ProductState> {
  handle(event: EventEnvelope<ProductState>, manager: EntityManager): Promise<void> {
    return applyState(event, manager);
  }

  handleMany(events: readonly EventEnvelope<ProductState>[], manager: EntityManager): Promise<void> {
    return applyStates(events, manager);
  }
}

@OnIntegrationEvent(ProductUpdated)
export class ProjectUpdatedProductHandler implements IntegrationEventHandler<ProductState> {
  handle(event: EventEnvelope<ProductState>, manager: EntityManager): Promise<void> {
    return applyState(event, manager);
  }

  handleMany(events: readonly EventEnvelope<ProductState>[], manager: EntityManager): Promise<void> {
    return applyStates(events, manager);
  }
}

@OnIntegrationEvent(ProductArchived)
export class ProjectArchivedProductHandler implements IntegrationEventHandler<PayloadOf<typeof ProductArchived>> {
  handle(event: EventEnvelope<PayloadOf<typeof ProductArchived>>, manager: EntityManager): Promise<void> {
    return applyProductArchived(manager, event.payload.productId, event.payload.sku, event.aggregateVersion);
  }
}
