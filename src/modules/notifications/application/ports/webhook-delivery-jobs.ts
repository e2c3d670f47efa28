export interface WebhookDeliveryJob {
  readonly deliveryId: string;
  /** The delivery's dispatch number when this job was scheduled: an older one is stale. */
  readonly dispatch: number;
}

/** One job per scheduled attempt of a delivery; the row, not the job, holds the truth. */
export abstract class WebhookDeliveryJobs {
  /**
   * Usually inside the transaction that made them due, so a failed enqueue rolls the change
   * back. Scheduling a dispatch again while its job exists (the sweeper) is a no-op.
   */
  abstract schedule(jobs: readonly (WebhookDeliveryJob & { delayMs?: number })[]): Promise<void>;
}
