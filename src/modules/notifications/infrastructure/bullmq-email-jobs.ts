import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { EmailJob, EmailJobs } from '../application/ports/email-jobs';

export const EMAIL_QUEUE = 'notifications.emails';

@Injectable()
export class BullmqEmailJobs implements EmailJobs {
  constructor(@InjectQueue(EMAIL_QUEUE) private readonly queue: Queue) {}

  /**
   * One round trip for all. The job id is the event's, so a job that exists is never added
   * twice. The job carries the whole message and reads no table, so it may run before the
   * transaction commits; if that rolls back, the retried event finds the job and adds no second email.
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
