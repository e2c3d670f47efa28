import { z } from 'zod';
import { defineIntegrationEvent } from '../integration-event';

const money = z.object({ amount: z.number().int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) }).strict();
const status = z.enum(['draft', 'active', 'archived']);
/** A product's complete sellable state, as created and after every change. */
const sellableState = z
  .object({ productId: z.uuid(), sku: z.string(), name: z.string(), categoryId: z.uuid(), price: money, status })
  .strict();

/** A product exists. Carries what other modules copy (ordering's price projection, inventory's stock row). */
export const ProductCreated = defineIntegrationEvent({
  publisher: 'catalog',
  name: 'catalog.product-created',
  version: 1,
  schema: sellableState,
});

/** A product changed; the payload is its complete new sellable state. */
export const ProductUpdated = defineIntegrationEvent({
  publisher: 'catalog',
  name: 'catalog.product-updated',
  version: 1,
  schema: sellableState,
});

/** A product can no longer be sold. */
export const ProductArchived = defineIntegrationEvent({
  publisher: 'catalog',
  name: 'catalog.product-archived',
  version: 1,
  schema: z.object({ productId: z.uuid(), sku: z.string() }).strict(),
});
