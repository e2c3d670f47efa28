import type { EndpointStatus } from '../domain/webhook-endpoint';
import type { WebhookEventType } from '../domain/webhook-event-types';
import type { WebhookEndpointRecord } from '../infrastructure/webhook-endpoint.record';

/** An endpoint as its owner sees it: never the secret (shown once, on creation). */
export interface EndpointView {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: WebhookEventType[];
  readonly status: EndpointStatus;
  readonly consecutiveFailures: number;
  readonly disabledAt: string | null;
  readonly createdAt: string;
}

export interface CreatedEndpointView extends EndpointView {
  readonly secret: string;
}

export interface EndpointPage {
  readonly items: EndpointView[];
  readonly next: string | null;
}

export function endpointView(record: WebhookEndpointRecord): EndpointView {
  return {
    id: record.id,
    url: record.url,
    eventTypes: record.eventTypes,
    status: record.status,
    consecutiveFailures: record.consecutiveFailures,
    disabledAt: record.disabledAt?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
  };
}
