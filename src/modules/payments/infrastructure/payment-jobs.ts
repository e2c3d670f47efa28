import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { JobsOptions, Queue } from 'bullmq';
import { SETTINGS } from '#libs/config';
import type { PaymentsSettings } from '../payments.settings';

export const CHARGE_QUEUE = 'payments.charges';
export const REFUND_QUEUE = 'payments.refunds';
export const PROVIDER_EVENT_QUEUE = 'payments.provider-events';

export interface PaymentJob {
  readonly paymentId: string;
}

interface JobToScheduleAgain {
  readonly name: string;
  readonly data: object;
  readonly opts: JobsOptions & { jobId: string };
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
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
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
      jobId: providerEventJobId(provider, eventId),
    });
  }

  /**
   * The sweeper's hand: schedules again the charge of each payment whose job is gone (lost
   * with Redis, or removed) or finished without settling it (failed for good on an error that
   * was not the provider's), under its usual id and with a fresh count of attempts: the charge
   * keeps its idempotency key, so the provider answers a charge it already made instead of
   * making another. A job still waiting, delayed or running is left to do its work. Answers
   * how many were scheduled again.
   */
  chargeAgain(paymentIds: readonly string[]): Promise<number> {
    const options = this.retried(this.settings.paymentChargeMaxAttempts);
    return this.scheduleAgain(
      this.charges,
      paymentIds.map((paymentId) => ({
        name: 'charge',
        data: { paymentId } satisfies PaymentJob,
        opts: { ...options, jobId: `charge-${paymentId}` },
      })),
    );
  }

  /** `chargeAgain` for pending refunds (key `refund-<paymentId>` at the provider, as always). */
  refundAgain(paymentIds: readonly string[]): Promise<number> {
    return this.scheduleAgain(
      this.refunds,
      paymentIds.map((paymentId) => ({
        name: 'refund',
        data: { paymentId } satisfies PaymentJob,
        opts: { ...this.retried(20), jobId: `refund-${paymentId}` },
      })),
    );
  }

  /** `chargeAgain` for recorded provider webhooks that were never applied. */
  applyProviderEventsAgain(events: readonly { provider: string; eventId: string }[]): Promise<number> {
    return this.scheduleAgain(
      this.providerEvents,
      events.map(({ provider, eventId }) => ({
        name: 'apply',
        data: { provider, eventId } satisfies ProviderEventJob,
        opts: { ...this.retried(10), jobId: providerEventJobId(provider, eventId) },
      })),
    );
  }

  private async scheduleAgain(queue: Queue, jobs: readonly JobToScheduleAgain[]): Promise<number> {
    const missing: JobToScheduleAgain[] = [];
    let retried = 0;
    await Promise.all(
      jobs.map(async (job) => {
        const existing = await queue.getJob(job.opts.jobId);
        const state = existing ? await existing.getState() : 'missing';
        if (state === 'missing') {
          missing.push(job);
        } else if (state === 'failed' || state === 'completed') {
          // Another replica sweeping at the same moment may have moved it first: then it runs once.
          const moved = await existing!
            .retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true })
            .then(() => true)
            .catch(() => false);
          if (moved) retried++;
        } else if (state === 'unknown') {
          // Half lost (its data without its place in the queue): replaced whole.
          await existing!.remove().catch(() => undefined);
          missing.push(job);
        }
      }),
    );
    if (missing.length > 0) await queue.addBulk(missing.map((job) => ({ ...job })));
    return missing.length + retried;
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

function providerEventJobId(provider: string, eventId: string): string {
  return `provider-event-${provider}-${Buffer.from(eventId).toString('base64url')}`;
}
