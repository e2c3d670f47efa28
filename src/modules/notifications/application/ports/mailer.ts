import type { EmailMessage } from '../../domain/order-email';

export abstract class Mailer {
  /** Sends one message; a retried send with the same `key` replaces what the first left behind. */
  abstract send(message: EmailMessage, key: string): Promise<void>;
}
