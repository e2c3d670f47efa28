import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '#libs/contracts';
import { ProductArchived, ProductCreated, ProductUpdated } from '#libs/contracts';
import { ReadCache } from '#libs/cache';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { forgetProduct, forgetProducts } from '../queries/get-product.handler';

/** Drops cached reads on every replica: the backstop for a process that died after a command's commit. */
@Injectable()
abstract class ForgetProduct implements IntegrationEventHandler<{ productId: string }> {
  constructor(private readonly cache: ReadCache) {}

  async handle(event: EventEnvelope<{ productId: string }>): Promise<void> {
    await forgetProduct(this.cache, event.payload.productId);
  }

  // A catalogue import is a burst of these: one invalidation for a whole inbox transaction.
  async handleMany(events: readonly EventEnvelope<{ productId: string }>[]): Promise<void> {
    const productIds = events.map((event) => event.payload.productId);
    await forgetProducts(this.cache, productIds);
  }
}

// The subclasses inherit the constructor and its injection metadata.
@OnIntegrationEvent(ProductCreated)
export class ForgetCreatedProductHandler extends ForgetProduct {}

@OnIntegrationEvent(ProductUpdated)
export class ForgetUpdatedProductHandler extends ForgetProduct {}

@OnIntegrationEvent(ProductArchived)
export class ForgetArchivedProductHandler extends ForgetProduct {}
