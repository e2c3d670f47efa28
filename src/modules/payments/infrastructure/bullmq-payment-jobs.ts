import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { JobsOptions, Queue } from 'bullmq';
import { SETTINGS } from '#libs/config';
import { promoteDelayedJob, retimeDelayedJob } from '#libs/messaging';
import type { PaymentsSettings } from '../payments.settings';
import { PaymentJobs } from '../application/ports/payment-jobs';
import type { ProviderEventKey } from '../application/ports/provider-event-store';

export const CHARGE_QUEUE = 'payments.charges';
export const REFUND_QUEUE = 'payments.refunds';
export const PROVIDER_EVENT_QUEUE = 'payments.provider-events';

/** How long a charge job's lock lasts: a worker that died mid-charge loses it this long after. */
export const CHARGE_LOCK_MS = 10_000;

const chargeJobId = (paymentId: string): string => `charge-${paymentId}`;

export interface PaymentJob {
  readonly paymentId: string;
}

interface QueuedJob {
  readonly name: string;
  readonly data: PaymentJob | ProviderEventJob;
  readonly opts: JobsOptions & { jobId: string };
}

export type ProviderEventJob = ProviderEventKey;

/** Job ids name what the job acts on (BullMQ ids may not contain ':'). */
@Injectable()
export class BullmqPaymentJobs implements PaymentJobs {
  constructor(
    @InjectQueue(CHARGE_QUEUE) private readonly charges: Queue,
    @InjectQueue(REFUND_QUEUE) private readonly refunds: Queue,
    @InjectQueue(PROVIDER_EVENT_QUEUE) private readonly providerEvents: Queue,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {}

  async chargeLater(paymentIds: readonly string[]): Promise<void> {
    if (paymentIds.length === 0) return;
    const { paymentChargeMaxAttempts, paymentProviderTimeoutMs } = this.settings;
    const delay = paymentProviderTimeoutMs + CHARGE_LOCK_MS;
    // The charge made at once is the first attempt.
    const attempts = Math.max(1, paymentChargeMaxAttempts - 1);
    await this.charges.addBulk(
      paymentIds.map((paymentId) => {
        const { name, data, opts } = this.chargeJob(paymentId);
        return { name, data, opts: { ...opts, ...this.retried(attempts), delay } };
      }),
    );
  }

  async chargeNow(paymentId: string): Promise<void> {
    await promoteDelayedJob(await this.charges.getJob(chargeJobId(paymentId)));
  }

  async chargeAgainSoon(paymentId: string): Promise<void> {
    await retimeDelayedJob(await this.charges.getJob(chargeJobId(paymentId)), this.settings.paymentRetryDelayMs);
  }

  async forgetCharge(paymentId: string): Promise<void> {
    // An active job (locked) is not removed; it finds the payment settled and does nothing.
    await this.charges.remove(chargeJobId(paymentId));
  }

  async refund(paymentId: string): Promise<void> {
    const { name, data, opts } = this.refundJob(paymentId);
    await this.refunds.add(name, data, opts);
  }

  async applyProviderEvent(event: ProviderEventKey): Promise<void> {
    const { name, data, opts } = this.providerEventJob(event);
    await this.providerEvents.add(name, data, opts);
  }

  chargeAgain(paymentIds: readonly string[]): Promise<number> {
    return this.scheduleAgain(this.charges, paymentIds.map(this.chargeJob));
  }

  refundAgain(paymentIds: readonly string[]): Promise<number> {
    return this.scheduleAgain(this.refunds, paymentIds.map(this.refundJob));
  }

  applyProviderEventsAgain(events: readonly ProviderEventKey[]): Promise<number> {
    return this.scheduleAgain(this.providerEvents, events.map(this.providerEventJob));
  }

  private readonly chargeJob = (paymentId: string): QueuedJob => {
    const opts = { ...this.retried(this.settings.paymentChargeMaxAttempts), jobId: chargeJobId(paymentId) };
    return { name: 'charge', data: { paymentId }, opts };
  };

  /** A refund is owed money: it keeps trying far longer than a charge. */
  private readonly refundJob = (paymentId: string): QueuedJob => {
    return { name: 'refund', data: { paymentId }, opts: { ...this.retried(20), jobId: `refund-${paymentId}` } };
  };

  private readonly providerEventJob = ({ provider, eventId }: ProviderEventKey): QueuedJob => {
    const jobId = `provider-event-${provider}-${Buffer.from(eventId).toString('base64url')}`;
    return { name: 'apply', data: { provider, eventId }, opts: { ...this.retried(10), jobId } };
  };

  private async scheduleAgain(queue: Queue, jobs: readonly QueuedJob[]): Promise<number> {
    const missing: QueuedJob[] = [];
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
