import { Counter } from 'prom-client';
import { registeredMetric } from '#libs/observability';

/**
 * How orders were priced: `cached` (from copies this process kept, checked by the order's
 * statement), `read` (the copies read first), `moved` (a kept copy had changed: read again).
 * Many `moved` means products change faster than they sell.
 */
export const productCopyPricings = registeredMetric(
  'ordering_product_copy_pricings_total',
  () =>
    new Counter({
      name: 'ordering_product_copy_pricings_total',
      help: 'Orders priced from product copies this process kept (cached), read first (read), or kept but changed since (moved)',
      labelNames: ['outcome'],
    }),
);
