import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EmailMessage } from '../../domain/order-email';
import { Mailer } from '../ports/mailer';
import { NotificationMetrics } from '../ports/notification-metrics';

export class SendEmail extends Command<void> {
  constructor(
    readonly eventId: string,
    readonly message: EmailMessage,
  ) {
    super();
  }
}

/** Sends one queued email; a failure is counted and thrown, so the job retries with backoff. */
@CommandHandler(SendEmail)
export class SendEmailHandler implements ICommandHandler<SendEmail> {
  constructor(
    private readonly mailer: Mailer,
    private readonly metrics: NotificationMetrics,
  ) {}

  async execute(command: SendEmail): Promise<void> {
    try {
      await this.mailer.send(command.message, command.eventId);
      this.metrics.emailAttempt('sent');
    } catch (error) {
      this.metrics.emailAttempt('failed');
      throw error;
    }
  }
}
