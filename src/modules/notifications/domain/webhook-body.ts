import type { WebhookEventType } from './webhook-event-types';

/** What the event carries that a delivery needs: its id, when it happened, its payload. */
export interface EventFacts {
  readonly id: string;
  readonly occurredAt: string;
  readonly payload: unknown;
}

/**
 * The exact bytes POSTed (and signed): `{id, type, createdAt, data}`, `id` the integration
 * event's id (stable across retries, so receivers can deduplicate), `data` the payload as
 * published. Serialised once and stored, so every attempt sends and signs the same text.
 */
export function webhookBody(type: WebhookEventType, event: EventFacts): string {
  return JSON.stringify({ id: event.id, type, createdAt: event.occurredAt, data: event.payload });
}
