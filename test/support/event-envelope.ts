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

/** Ordering's OrderPlaced or OrderConfirmed for one line of 42 EUR, as notifications hears it. */
export function orderEvent(name: 'order-placed' | 'order-confirmed', orderId: string, customerId: string) {
  const money = { amount: 4200, currency: 'EUR' };
  const base = {
    orderId,
    customerId,
    lines: [{ productId: randomUUID(), sku: 'SKU-1', quantity: 1, unitPrice: money }],
    total: money,
  };
  return eventEnvelope({
    name: `ordering.${name}`,
    publisher: 'ordering',
    aggregateId: orderId,
    payload: name === 'order-placed' ? { ...base, paymentMethod: 'card' } : base,
  });
}
