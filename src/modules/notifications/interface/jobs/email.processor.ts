import { WorkerHost } from '@nestjs/bullmq';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { JobProcessor } from '#libs/messaging';
import { SendEmail } from '../../application/commands/send-email.handler';
import type { EmailJob } from '../../application/ports/email-jobs';
import { EMAIL_QUEUE } from '../../infrastructure/bullmq-email-jobs';

/** Sends queued customer emails; a failed send throws, and BullMQ retries it with backoff. */
@JobProcessor(EMAIL_QUEUE)
export class EmailProcessor extends WorkerHost {
  constructor(private readonly commands: CommandBus) {
    super();
  }

  async process(job: Job<EmailJob>): Promise<void> {
    await this.commands.execute(new SendEmail(job.data.eventId, job.data.message));
  }
}
