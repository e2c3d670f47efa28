import type { DeliveryKey } from './delivery-store';

export interface WebhookDeliveryJob {
  readonly deliveryId: string;
  /** The delivery's event time (ISO 8601), which names its partition; absent from older jobs. */
  readonly occurredAt?: string;
  /** The delivery's dispatch number when this job was scheduled: an older one is stale. */
  readonly dispatch: number;
  /**
   * The transaction recording the delivery (`pg_current_xact_id()`), on its first job only: while it
   * runs, the row is not visible yet. A job without it was scheduled for a row already committed.
   */
  readonly insertedBy?: string;
}

/** A dispatch to schedule: the delivery, its dispatch number, and when it is due. */
export interface ScheduledDelivery {
  readonly delivery: Required<DeliveryKey>;
  readonly dispatch: number;
  readonly delayMs?: number;
  /** The transaction that records the delivery, when it is that of the scheduling. */
  readonly insertedBy?: string;
}

/** One job per scheduled attempt of a delivery; the row, not the job, holds the truth. */
export abstract class WebhookDeliveryJobs {
  /**
   * Usually inside the transaction that made them due, so a failed enqueue rolls the change
   * back. Scheduling a dispatch again while its job exists (the sweeper) is a no-op.
   */
  abstract schedule(jobs: readonly ScheduledDelivery[]): Promise<void>;
}
