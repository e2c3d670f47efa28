import type { ProviderEventKey } from './provider-event-store';

/**
 * The module's background work. Job ids derive from what they act on: scheduling twice
 * schedules once. A job may run before the transaction that scheduled it has committed.
 */
export abstract class PaymentJobs {
  /** The charge of each payment, in one round trip to the queue. */
  abstract chargeEach(paymentIds: readonly string[]): Promise<void>;
  abstract refund(paymentId: string): Promise<void>;
  abstract applyProviderEvent(event: ProviderEventKey): Promise<void>;
  /** The sweeper's: schedules anew each job that is gone or finished; answers how many. */
  abstract chargeAgain(paymentIds: readonly string[]): Promise<number>;
  abstract refundAgain(paymentIds: readonly string[]): Promise<number>;
  abstract applyProviderEventsAgain(events: readonly ProviderEventKey[]): Promise<number>;
}
