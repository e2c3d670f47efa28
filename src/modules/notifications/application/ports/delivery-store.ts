import type { EntityManager } from 'typeorm';
import type { DeliveryStatus, SequencedDelivery } from '../../domain/delivery-sequence';
import type { EndpointStatus } from '../../domain/webhook-endpoint';
import type { WebhookEventType } from '../../domain/webhook-event-types';

export interface NewDeliveries {
  readonly eventId: string;
  readonly type: WebhookEventType;
  /** The order the event is about. */
  readonly sequenceKey: string;
  readonly occurredAt: string;
  readonly body: string;
  /** The customer the event is about: their endpoints get it, and every admin's. */
  readonly customerId: string;
}

export interface LockedDelivery extends SequencedDelivery, DeliverySequence {
  readonly eventId: string;
  readonly eventType: string;
  readonly body: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly dispatch: number;
  readonly endpoint: { readonly url: string; readonly secret: string; readonly status: EndpointStatus };
}

/**
 * Which delivery: its id, and its event's time when known. Deliveries are partitioned by that
 * time, so with it a statement reads one partition instead of every kept day's.
 */
export interface DeliveryKey {
  readonly id: string;
  readonly occurredAt?: Date | string;
}

/** A delivery just recorded, and the transaction recording it (`pg_current_xact_id()`). */
export interface RecordedDelivery extends Required<DeliveryKey> {
  readonly insertedBy: string;
}

/** The deliveries to one endpoint about one order. */
export interface DeliverySequence {
  readonly endpointId: string;
  readonly sequenceKey: string;
}

export interface AttemptRecord {
  readonly status: DeliveryStatus;
  readonly statusCode: number | null;
  readonly error: string | null;
}

export interface PendingDelivery extends SequencedDelivery {
  readonly nextAttemptAt: Date | null;
}

export interface OverdueDelivery {
  readonly id: string;
  readonly occurredAt: Date;
  readonly dispatch: number;
}

/** One line of an endpoint's delivery log. */
export interface DeliveryLogEntry {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly createdAt: Date;
  readonly position: string;
}

/** Deciding or finishing a delivery holds its sequence's `lock`: it never interleaves with a predecessor's release. */
export abstract class DeliveryStore {
  /** One pending delivery per event and subscribed endpoint, positioned in `events` order; a redelivery adds none. */
  abstract record(manager: EntityManager, events: readonly NewDeliveries[]): Promise<RecordedDelivery[]>;
  /** Whether transaction `insertedBy` has ended (committed or rolled back), as a statement starting now sees it. */
  abstract transactionEnded(manager: EntityManager, insertedBy: string): Promise<boolean>;
  /** Locks the delivery's sequence (read first unless given), then the delivery, until the transaction ends. */
  abstract lock(
    manager: EntityManager,
    delivery: DeliveryKey,
    sequence?: DeliverySequence,
  ): Promise<LockedDelivery | undefined>;
  /** The pending deliveries of a sequence (the caller holds its lock). */
  abstract unfinished(manager: EntityManager, sequence: DeliverySequence): Promise<PendingDelivery[]>;
  /** The delivery waits for an earlier one of its sequence, with no job: that one releases it. */
  abstract park(manager: EntityManager, delivery: DeliveryKey): Promise<void>;
  /** A new dispatch of a delivery, due `delayMs` from now; returns its number. */
  abstract redispatch(manager: EntityManager, delivery: DeliveryKey, delayMs: number): Promise<number>;
  /** Counts an attempt and what came of it; a finished delivery has no next attempt. */
  abstract recordAttempt(manager: EntityManager, delivery: DeliveryKey, attempt: AttemptRecord): Promise<void>;
  /** Ends a delivery without an attempt (its endpoint is disabled). */
  abstract failWithoutAttempt(manager: EntityManager, delivery: DeliveryKey, error: string): Promise<void>;
  /** Pending again, whatever became of it, with a fresh run of attempts and a new dispatch due now (returned). */
  abstract restart(manager: EntityManager, delivery: DeliveryKey): Promise<number>;
  /** Pending deliveries due for more than `graceMs` with no attempt made: their job was lost. */
  abstract overdue(graceMs: number, limit: number): Promise<OverdueDelivery[]>;
  /** An endpoint's delivery log, newest first, before the position when given. */
  abstract log(endpointId: string, limit: number, before: string | undefined): Promise<DeliveryLogEntry[]>;
}
