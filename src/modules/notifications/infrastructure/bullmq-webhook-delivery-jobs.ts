import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type {
  ScheduledDelivery,
  WebhookDeliveryJob,
  WebhookDeliveryJobs,
} from '../application/ports/webhook-delivery-jobs';

export const WEBHOOK_DELIVERY_QUEUE = 'notifications.webhook-deliveries';

@Injectable()
export class BullmqWebhookDeliveryJobs implements WebhookDeliveryJobs {
  constructor(@InjectQueue(WEBHOOK_DELIVERY_QUEUE) private readonly queue: Queue) {}

  /**
   * The job id is the delivery and its dispatch number, so a new dispatch never collides with
   * a job still finishing. A job may run before the transaction commits: the attempt then
   * finds no row and the job is retried while that transaction runs.
   */
  async schedule(jobs: readonly ScheduledDelivery[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map(({ delivery, dispatch, delayMs, insertedBy }) => ({
        name: 'deliver',
        data: {
          deliveryId: delivery.id,
          occurredAt: new Date(delivery.occurredAt).toISOString(),
          dispatch,
          ...(insertedBy ? { insertedBy } : {}),
        } satisfies WebhookDeliveryJob,
        opts: {
          jobId: `whd-${delivery.id}-${dispatch}`,
          delay: Math.max(0, delayMs ?? 0),
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
