import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { EmailMessage } from '../domain/order-email';

export const EMAIL_QUEUE = 'notifications.emails';

export interface EmailJob {
  /** The integration event the email is about: one email per event. */
  readonly eventId: string;
  readonly message: EmailMessage;
}

@Injectable()
export class EmailJobs {
  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {}

  /**
   * Queues emails (one round trip for all), inside the transaction of the event it is about. The job id comes
   * from the event id, so a job that exists is never added twice; the inbox already keeps a
   * redelivered event from getting here. The job carries the whole message and reads no
   * table, so it may run before that transaction commits; if it rolls back, the retried
   * event finds the job and adds no second email.
   */
  async schedule(jobs: readonly EmailJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((job) => ({
        name: 'send',
        data: job,
        opts: {
          jobId: `email-${job.eventId}`,
          attempts: 10,
          backoff: { type: 'exponential', delay: 5000, jitter: 0.3 },
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  }
}
