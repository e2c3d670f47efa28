import type { DeliveryStatus } from '../domain/delivery-sequence';
import type { DeliveryLogEntry } from './ports/delivery-store';

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

export function deliveryView(entry: DeliveryLogEntry): DeliveryView {
  return {
    id: entry.id,
    eventId: entry.eventId,
    type: entry.eventType,
    status: entry.status,
    attempts: entry.attempts,
    lastStatusCode: entry.lastStatusCode,
    lastError: entry.lastError,
    nextAttemptAt: entry.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: entry.deliveredAt?.toISOString() ?? null,
    createdAt: entry.createdAt.toISOString(),
  };
}
