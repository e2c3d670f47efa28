import type { EntityManager } from 'typeorm';
import type { PaymentStatus } from '../../domain/payment';
import type { ProviderEvent } from './payment-provider';

export interface ProviderEventKey {
  readonly provider: string;
  readonly eventId: string;
}

/** Verified provider webhooks by `(provider, event id)`: a replayed id finds its row. */
export abstract class ProviderEventStore {
  /**
   * Records the event, already processed when payment `paymentId` is in one of `settledIn`.
   * Answers whether it was recorded processed; `undefined` when the id was recorded before.
   */
  abstract record(
    key: ProviderEventKey,
    event: ProviderEvent,
    paymentId: string | null,
    settledIn: readonly PaymentStatus[],
  ): Promise<{ readonly processed: boolean } | undefined>;
  /** Whether the recorded event still waits to be applied. */
  abstract isUnapplied(key: ProviderEventKey): Promise<boolean>;
  /** The recorded event, locked until the caller's transaction ends. */
  abstract lock(
    manager: EntityManager,
    key: ProviderEventKey,
  ): Promise<{ readonly event: ProviderEvent; readonly processed: boolean } | undefined>;
  abstract markProcessed(manager: EntityManager, key: ProviderEventKey): Promise<void>;
  /** Events recorded more than `deadlineSeconds` ago and still not applied, oldest first. */
  abstract pastDeadline(deadlineSeconds: number, limit: number): Promise<ProviderEventKey[]>;
}
