import type { EmailMessage } from '../../domain/order-email';

export interface EmailJob {
  /** The integration event the email is about: one email per event. */
  readonly eventId: string;
  readonly message: EmailMessage;
}

export abstract class EmailJobs {
  /** Inside the transaction of the events they are about; an event's email is never queued twice. */
  abstract schedule(jobs: readonly EmailJob[]): Promise<void>;
}
