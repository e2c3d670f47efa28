import { z } from 'zod';
import { defineIntegrationEvent } from '../integration-event';
import { moneySchema } from '../money';

/** The order's amount was charged. */
export const PaymentSucceeded = defineIntegrationEvent({
  publisher: 'payments',
  name: 'payments.payment-succeeded',
  version: 1,
  schema: z.object({ paymentId: z.uuid(), orderId: z.uuid(), customerId: z.uuid(), amount: moneySchema }).strict(),
});

/** The charge was declined or failed for good; it will not be retried. */
export const PaymentFailed = defineIntegrationEvent({
  publisher: 'payments',
  name: 'payments.payment-failed',
  version: 1,
  schema: z
    .object({ paymentId: z.uuid(), orderId: z.uuid(), customerId: z.uuid(), reason: z.string().min(1) })
    .strict(),
});

/**
 * Money taken for an order went back to the customer: an admin refunded it, or the order was
 * cancelled after it was paid.
 */
export const PaymentRefunded = defineIntegrationEvent({
  publisher: 'payments',
  name: 'payments.payment-refunded',
  version: 1,
  schema: z
    .object({
      paymentId: z.uuid(),
      orderId: z.uuid(),
      customerId: z.uuid(),
      amount: moneySchema,
      reason: z.enum(['requested_by_admin', 'order_cancelled']),
    })
    .strict(),
});
