import type { EndpointStatus, WebhookEndpoint } from '../domain/webhook-endpoint';
import type { WebhookEventType } from '../domain/webhook-event-types';

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

export function endpointView(endpoint: WebhookEndpoint): EndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    status: endpoint.status,
    consecutiveFailures: endpoint.consecutiveFailures,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
  };
}
