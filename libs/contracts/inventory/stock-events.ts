import { z } from 'zod';
import { defineIntegrationEvent } from '../integration-event';

const stockLine = z.object({ sku: z.string().min(1), quantity: z.number().int().positive() }).strict();

/** Every line of the order is held for it until `expiresAt`. */
export const StockReserved = defineIntegrationEvent({
  publisher: 'inventory',
  name: 'inventory.stock-reserved',
  version: 1,
  schema: z.object({ orderId: z.uuid(), lines: z.array(stockLine).min(1), expiresAt: z.iso.datetime() }).strict(),
});

/** Nothing was reserved: at least one line was short (all or none). */
export const StockReservationFailed = defineIntegrationEvent({
  publisher: 'inventory',
  name: 'inventory.stock-reservation-failed',
  version: 1,
  schema: z
    .object({
      orderId: z.uuid(),
      shortLines: z
        .array(
          z
            .object({
              sku: z.string().min(1),
              requested: z.number().int().positive(),
              available: z.number().int().nonnegative(),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
});

/** A reservation was given back: it expired, or its order was cancelled. */
export const StockReleased = defineIntegrationEvent({
  publisher: 'inventory',
  name: 'inventory.stock-released',
  version: 1,
  schema: z
    .object({ orderId: z.uuid(), reason: z.enum(['expired', 'order_cancelled']), lines: z.array(stockLine).min(1) })
    .strict(),
});

/** The reserved units left stock for good (the order was confirmed). */
export const StockCommitted = defineIntegrationEvent({
  publisher: 'inventory',
  name: 'inventory.stock-committed',
  version: 1,
  schema: z.object({ orderId: z.uuid(), lines: z.array(stockLine).min(1) }).strict(),
});
