import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { registeredMetric } from '#libs/observability';
import type { NotificationMetrics } from '../application/ports/notification-metrics';

function counter(name: string, help: string, labelNames: string[] = []): Counter {
  return registeredMetric(name, () => new Counter({ name, help, labelNames }));
}

const deliveries = counter('webhook_deliveries_total', 'Webhook delivery attempts by outcome', ['outcome']);
const disabled = counter(
  'webhook_endpoints_disabled_total',
  'Webhook endpoints disabled after too many consecutive failures',
);
const emails = counter('emails_sent_total', 'Customer email send attempts by outcome', ['outcome']);

@Injectable()
export class PrometheusNotificationMetrics implements NotificationMetrics {
  webhookAttempt(outcome: 'delivered' | 'retrying' | 'failed'): void {
    deliveries.inc({ outcome });
  }

  endpointDisabled(): void {
    disabled.inc();
  }

  emailAttempt(outcome: 'sent' | 'failed'): void {
    emails.inc({ outcome });
  }
}
