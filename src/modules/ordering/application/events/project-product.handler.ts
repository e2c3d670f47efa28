import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ProductArchived, ProductCreated, ProductUpdated, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import type { ProductCopy } from '../../domain/order';
import { ProductCopyStore } from '../ports/product-copy-store';

/*
 * Ordering's copies of the catalog's products, kept from its product events and versioned by
 * their aggregate version: an event that arrives late (or twice) never moves a copy back.
 */

type ProductState = PayloadOf<typeof ProductCreated>;

function copyOf(event: EventEnvelope<ProductState>): ProductCopy {
  const { productId, sku, name, price, status } = event.payload;
  return { productId, sku, name, price, status, version: event.aggregateVersion };
}

/** Applies the product's complete state; a catalogue import arrives as a burst of these (`handleMany`). */
@Injectable() // emits the constructor's parameter types the subclasses inherit
abstract class ProjectProductState implements IntegrationEventHandler<ProductState> {
  constructor(private readonly copies: ProductCopyStore) {}

  handle(event: EventEnvelope<ProductState>, manager: EntityManager): Promise<void> {
    return this.copies.apply(manager, [copyOf(event)]);
  }

  handleMany(events: readonly EventEnvelope<ProductState>[], manager: EntityManager): Promise<void> {
    return this.copies.apply(manager, events.map(copyOf));
  }
}

@OnIntegrationEvent(ProductCreated)
export class ProjectCreatedProductHandler extends ProjectProductState {}

@OnIntegrationEvent(ProductUpdated)
export class ProjectUpdatedProductHandler extends ProjectProductState {}

@OnIntegrationEvent(ProductArchived)
export class ProjectArchivedProductHandler implements IntegrationEventHandler<PayloadOf<typeof ProductArchived>> {
  constructor(private readonly copies: ProductCopyStore) {}

  handle(event: EventEnvelope<PayloadOf<typeof ProductArchived>>, manager: EntityManager): Promise<void> {
    return this.copies.archive(manager, event.payload.productId, event.payload.sku, event.aggregateVersion);
  }
}
