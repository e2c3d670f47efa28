import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';

export const WEBHOOK_DELIVERY_QUEUE = 'notifications.webhook-deliveries';

export interface WebhookDeliveryJob {
  readonly deliveryId: string;
  /** The delivery's dispatch number when this job was scheduled: an older one is stale. */
  readonly dispatch: number;
}

/** One job per scheduled attempt of a delivery; the row, not the job, holds the truth. */
@Injectable()
export class WebhookDeliveryJobs {
  constructor(@InjectQueue(WEBHOOK_DELIVERY_QUEUE) private readonly queue: Queue) {}

  /**
   * Schedules attempts, usually inside the transaction that made them due (so a failed
   * enqueue rolls the change back). The job id is the delivery and its dispatch number: a
   * second schedule of the same dispatch (the sweeper) is a no-op while the job exists,
   * and a new dispatch never collides with a job still finishing. A job may run before
   * the transaction commits: the attempt waits for it (see AttemptWebhookDelivery).
   */
  async schedule(jobs: readonly (WebhookDeliveryJob & { delayMs?: number })[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((job) => ({
        name: 'deliver',
        data: { deliveryId: job.deliveryId, dispatch: job.dispatch } satisfies WebhookDeliveryJob,
        opts: {
          jobId: `whd-${job.deliveryId}-${job.dispatch}`,
          delay: Math.max(0, job.delayMs ?? 0),
          // Retries of the job itself cover a row not yet committed and database outages;
          // failed HTTP attempts are retried by scheduling a new dispatch.
          attempts: 6,
          backoff: { type: 'exponential', delay: 250, jitter: 0.3 },
          removeOnComplete: true,
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  }
}
