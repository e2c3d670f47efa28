import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { JobsOptions, Queue } from 'bullmq';
import { SETTINGS, type Settings } from '#libs/config';

export const CHARGE_QUEUE = 'payments.charges';
export const REFUND_QUEUE = 'payments.refunds';
export const PROVIDER_EVENT_QUEUE = 'payments.provider-events';

export interface PaymentJob {
  readonly paymentId: string;
}

export interface ProviderEventJob {
  readonly provider: string;
  readonly eventId: string;
}

/**
 * The payments module's background work. Job ids are derived from what they act on
 * (BullMQ ids may not contain ':'), so a redelivered event or webhook schedules nothing
 * twice. A job scheduled inside a transaction may run before that transaction commits:
 * each job checks its payment's state and asks to be retried while it is not there yet.
 */
@Injectable()
export class PaymentJobs {
  constructor(
    @InjectQueue(CHARGE_QUEUE) private readonly charges: Queue,
    @InjectQueue(REFUND_QUEUE) private readonly refunds: Queue,
    @InjectQueue(PROVIDER_EVENT_QUEUE) private readonly providerEvents: Queue,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** Schedules the charge of each payment, in one round trip to the queue. */
  async chargeEach(paymentIds: readonly string[]): Promise<void> {
    if (paymentIds.length === 0) return;
    const options = this.retried(this.settings.paymentChargeMaxAttempts);
    await this.charges.addBulk(
      paymentIds.map((paymentId) => {
        const job: PaymentJob = { paymentId };
        return { name: 'charge', data: job, opts: { ...options, jobId: `charge-${paymentId}` } };
      }),
    );
  }

  async refund(paymentId: string): Promise<void> {
    const job: PaymentJob = { paymentId };
    // A refund is owed money: it keeps trying far longer than a charge.
    await this.refunds.add('refund', job, { ...this.retried(20), jobId: `refund-${paymentId}` });
  }

  async applyProviderEvent(provider: string, eventId: string): Promise<void> {
    const job: ProviderEventJob = { provider, eventId };
    await this.providerEvents.add('apply', job, {
      ...this.retried(10),
      jobId: `provider-event-${provider}-${Buffer.from(eventId).toString('base64url')}`,
    });
  }

  private retried(attempts: number): JobsOptions {
    return {
      attempts,
      backoff: { type: 'exponential', delay: this.settings.paymentRetryDelayMs, jitter: 0.5 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    };
  }
}
