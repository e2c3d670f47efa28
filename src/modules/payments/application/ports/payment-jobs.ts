import type { ProviderEventKey } from './provider-event-store';

/**
 * The module's background work. Job ids derive from what they act on: scheduling twice
 * schedules once. A job may run before the transaction that scheduled it has committed.
 */
export abstract class PaymentJobs {
  /**
   * The charge job of each payment, in one round trip, due only once a charge made at once
   * would have ended (PAYMENT_PROVIDER_TIMEOUT_MS and a job's lock later): it runs if the
   * process making that charge died, and is forgotten, retimed or started early otherwise.
   */
  abstract chargeLater(paymentIds: readonly string[]): Promise<void>;
  /** Starts the waiting charge job now: the charge will not be made at once. */
  abstract chargeNow(paymentId: string): Promise<void>;
  /** The charge made at once failed: its job runs after the first retry delay. */
  abstract chargeAgainSoon(paymentId: string): Promise<void>;
  /** The charge made at once settled the payment: its job is not needed. */
  abstract forgetCharge(paymentId: string): Promise<void>;
  abstract refund(paymentId: string): Promise<void>;
  abstract applyProviderEvent(event: ProviderEventKey): Promise<void>;
  /** The sweeper's: schedules anew each job that is gone or finished; answers how many. */
  abstract chargeAgain(paymentIds: readonly string[]): Promise<number>;
  abstract refundAgain(paymentIds: readonly string[]): Promise<number>;
  abstract applyProviderEventsAgain(events: readonly ProviderEventKey[]): Promise<number>;
}
