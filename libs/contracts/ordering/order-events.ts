import { z } from 'zod';
import { defineIntegrationEvent } from '../integration-event';
import { moneySchema } from '../money';

const quantity = z.number().int().positive();
/** A line as the order holds it: what inventory reserves (SKU) and what payments charge (price). */
const orderLine = z.object({ productId: z.uuid(), sku: z.string().min(1), quantity, unitPrice: moneySchema }).strict();

export const ORDER_CANCEL_REASONS = [
  'out_of_stock',
  'payment_failed',
  'reservation_expired',
  'customer_cancelled',
  /** Still not paid past ORDER_DEADLINE_SECONDS: what it waited for was lost or never came. */
  'timed_out',
] as const;
export type OrderCancelReason = (typeof ORDER_CANCEL_REASONS)[number];

/** An order was accepted and waits for stock: inventory reserves its lines. */
export const OrderPlaced = defineIntegrationEvent({
  publisher: 'ordering',
  name: 'ordering.order-placed',
  version: 1,
  schema: z
    .object({
      orderId: z.uuid(),
      customerId: z.uuid(),
      lines: z.array(orderLine).min(1),
      total: moneySchema,
      paymentMethod: z.string().min(1),
    })
    .strict(),
});

/** Stock is reserved and the payment succeeded: inventory commits the reserved units. */
export const OrderConfirmed = defineIntegrationEvent({
  publisher: 'ordering',
  name: 'ordering.order-confirmed',
  version: 1,
  schema: z
    .object({ orderId: z.uuid(), customerId: z.uuid(), lines: z.array(orderLine).min(1), total: moneySchema })
    .strict(),
});

/** The order will not be fulfilled: inventory releases whatever it reserved for it. */
export const OrderCancelled = defineIntegrationEvent({
  publisher: 'ordering',
  name: 'ordering.order-cancelled',
  version: 1,
  schema: z
    .object({
      orderId: z.uuid(),
      customerId: z.uuid(),
      reason: z.enum(ORDER_CANCEL_REASONS),
      /** What the order was in when it was cancelled: `paid` and `confirmed` orders need a refund. */
      previousStatus: z.enum(['pending', 'stock_reserved', 'paid', 'confirmed']),
      lines: z.array(orderLine).min(1),
      total: moneySchema,
    })
    .strict(),
});
