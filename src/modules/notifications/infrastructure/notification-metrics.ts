import { Counter, register, type Metric } from 'prom-client';

function metric<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** What webhook attempts and emails came to, for dashboards and alerts. */
export const notificationMetrics = {
  /** `delivered`, `retrying` (a failed attempt that will be retried), `failed` (for good). */
  webhookDeliveries: metric(
    'webhook_deliveries_total',
    () =>
      new Counter({
        name: 'webhook_deliveries_total',
        help: 'Webhook delivery attempts by outcome',
        labelNames: ['outcome'],
      }),
  ),
  endpointsDisabled: metric(
    'webhook_endpoints_disabled_total',
    () =>
      new Counter({
        name: 'webhook_endpoints_disabled_total',
        help: 'Webhook endpoints disabled after too many consecutive failures',
      }),
  ),
  /** `sent` or `failed` (an attempt; the job retries). */
  emails: metric(
    'emails_sent_total',
    () =>
      new Counter({
        name: 'emails_sent_total',
        help: 'Customer email send attempts by outcome',
        labelNames: ['outcome'],
      }),
  ),
};
