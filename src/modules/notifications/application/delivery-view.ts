import type { DeliveryStatus, WebhookDeliveryRecord } from '../infrastructure/webhook-delivery.record';

/** One line of an endpoint's delivery log. */
export interface DeliveryView {
  readonly id: string;
  readonly eventId: string;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly deliveredAt: string | null;
  readonly createdAt: string;
}

export interface DeliveryPage {
  readonly items: DeliveryView[];
  readonly next: string | null;
}

export function deliveryView(record: WebhookDeliveryRecord): DeliveryView {
  return {
    id: record.id,
    eventId: record.eventId,
    type: record.eventType,
    status: record.status,
    attempts: record.attempts,
    lastStatusCode: record.lastStatusCode,
    lastError: record.lastError,
    nextAttemptAt: record.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: record.deliveredAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}
