import { Counter } from 'prom-client';
import { registeredMetric } from '#libs/observability';

/** What webhook attempts and emails came to, for dashboards and alerts. */
export const notificationMetrics = {
  /** `delivered`, `retrying` (a failed attempt that will be retried), `failed` (for good). */
  webhookDeliveries: registeredMetric(
    'webhook_deliveries_total',
    () =>
      new Counter({
        name: 'webhook_deliveries_total',
        help: 'Webhook delivery attempts by outcome',
        labelNames: ['outcome'],
      }),
  ),
  endpointsDisabled: registeredMetric(
    'webhook_endpoints_disabled_total',
    () =>
      new Counter({
        name: 'webhook_endpoints_disabled_total',
        help: 'Webhook endpoints disabled after too many consecutive failures',
      }),
  ),
  /** `sent` or `failed` (an attempt; the job retries). */
  emails: registeredMetric(
    'emails_sent_total',
    () =>
      new Counter({
        name: 'emails_sent_total',
        help: 'Customer email send attempts by outcome',
        labelNames: ['outcome'],
      }),
  ),
};
