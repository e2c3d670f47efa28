import { randomUUID } from 'node:crypto';

/**
 * An integration event as the relay hands it to a subscriber's inbox queue, for tests that
 * deliver events straight to a module (a fresh event id, no correlation).
 */
export function eventEnvelope(event: {
  name: string;
  publisher: string;
  aggregateId: string;
  aggregateVersion?: number;
  payload: object;
}) {
  return {
    id: randomUUID(),
    name: event.name,
    version: 1,
    publisher: event.publisher,
    occurredAt: new Date().toISOString(),
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion ?? 1,
    correlationId: null,
    causationId: null,
    payload: event.payload,
  };
}
