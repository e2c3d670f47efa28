import type { EventEnvelope } from '#libs/contracts';
import { ProductArchived, ProductCreated, ProductUpdated } from '#libs/contracts';
import { ReadCache } from '#libs/cache';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { forgetProduct, forgetProducts } from '../queries/get-product.handler';

/*
 * The catalog consumes its own product events to drop cached reads on every replica. The
 * command that made the change already did so right after its commit; these handlers are the
 * durable backstop for a process that died between commit and invalidation (the outbox still
 * delivers the event).
 */

abstract class ForgetProduct implements IntegrationEventHandler<{ productId: string }> {
  constructor(private readonly cache: ReadCache) {}

  async handle(event: EventEnvelope<{ productId: string }>): Promise<void> {
    await forgetProduct(this.cache, event.payload.productId);
  }

  // A catalogue import is a burst of these: one invalidation for a whole inbox transaction.
  async handleMany(events: readonly EventEnvelope<{ productId: string }>[]): Promise<void> {
    await forgetProducts(
      this.cache,
      events.map((event) => event.payload.productId),
    );
  }
}

@OnIntegrationEvent(ProductCreated)
export class ForgetCreatedProductHandler extends ForgetProduct {
  constructor(cache: ReadCache) {
    super(cache);
  }
}

@OnIntegrationEvent(ProductUpdated)
export class ForgetUpdatedProductHandler extends ForgetProduct {
  constructor(cache: ReadCache) {
    super(cache);
  }
}

@OnIntegrationEvent(ProductArchived)
export class ForgetArchivedProductHandler extends ForgetProduct {
  constructor(cache: ReadCache) {
    super(cache);
  }
}
