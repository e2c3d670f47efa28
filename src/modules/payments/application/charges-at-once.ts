import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ProcessState, SETTINGS } from '#libs/config';
import type { EventEnvelope } from '#libs/contracts';
import { afterCommit } from '#libs/database';
import { followUpOf } from '#libs/messaging';
import { RepeatedFailureLog } from '#libs/observability';
import type { PaymentState } from '../domain/payment';
import type { PaymentsSettings } from '../payments.settings';
import { paymentMetrics } from './payment-metrics';
import { PaymentJobs } from './ports/payment-jobs';
import { ProviderCharge } from './provider-charge';

/** A payment just created, and the event that started it. */
export interface PaymentStart {
  readonly payment: PaymentState;
  readonly cause: EventEnvelope;
}

/**
 * Charges payments as soon as the transaction creating them has committed, in the process that
 * created them, instead of in a job of their own: the first attempt costs no queue round trip
 * and no transaction of its own (docs/decisions/0039-charge-at-once-and-expiry-by-sweep.md). Each payment's charge
 * job waits, delayed, behind the call: forgotten once the call settles the payment, brought
 * forward by the first retry delay when it fails, started at once when this process has too many
 * charges waiting or is stopping, and run on its own if the process dies. At most
 * WORKER_CONCURRENCY charges are in flight per process, as with the charge jobs.
 */
@Injectable()
export class ChargesAtOnce implements BeforeApplicationShutdown {
  // While the database, the provider or the queue is down, these fail for every payment.
  private readonly failedAttempts = new RepeatedFailureLog(
    new Logger('Payments'),
    'first charge attempts failed; their jobs retry',
    'when-quiet',
  );
  private readonly unreachedJobs = new RepeatedFailureLog(
    new Logger('Payments'),
    'charge jobs out of reach; they run when their delay ends',
    'when-quiet',
  );
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiting: (PaymentStart & { readonly since: number })[] = [];
  /** Past this many charges waiting for a slot, a charge goes to its job at once. */
  private readonly maxWaiting: number;
  /** A charge that waited this long for a slot goes to its job, well before the job's own delay ends. */
  private readonly maxWaitMs: number;

  constructor(
    private readonly providerCharge: ProviderCharge,
    private readonly jobs: PaymentJobs,
    private readonly state: ProcessState,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {
    this.maxWaiting = 50 * settings.workerConcurrency;
    this.maxWaitMs = settings.paymentProviderTimeoutMs / 2;
  }

  /**
   * Charges the payments (created with their first attempt counted, in `manager`'s transaction)
   * once that transaction commits, each as a follow-up of the event that started it.
   */
  afterCommit(manager: EntityManager, starts: readonly PaymentStart[]): void {
    if (starts.length === 0) return;
    afterCommit(manager, `charges-at-once:${starts[0]!.payment.id}`, () => this.start(starts));
  }

  private start(starts: readonly PaymentStart[]): void {
    for (const start of starts) {
      if (this.state.draining || this.waiting.length >= this.maxWaiting) void this.chargeByJob(start.payment.id);
      else this.waiting.push({ ...start, since: Date.now() });
    }
    this.pump();
  }

  private pump(): void {
    while (this.inFlight.size < this.settings.workerConcurrency && this.waiting.length > 0) {
      const { payment, cause, since } = this.waiting.shift()!;
      if (Date.now() - since > this.maxWaitMs) {
        void this.chargeByJob(payment.id);
        continue;
      }
      const charge = followUpOf(cause, 'charge payment', () => this.charge(payment)).finally(() => {
        this.inFlight.delete(charge);
        this.pump();
      });
      this.inFlight.add(charge);
    }
  }

  private chargeByJob(paymentId: string): Promise<void> {
    return this.toQueue(paymentId, () => this.jobs.chargeNow(paymentId));
  }

  private async charge(payment: PaymentState): Promise<void> {
    const lastAttempt = this.settings.paymentChargeMaxAttempts <= 1;
    const result = await this.providerCharge.attempt(payment, lastAttempt).catch((error: unknown) => {
      this.failedAttempts.failed(`payment ${payment.id}: ${String(error)}`);
      return undefined;
    });
    if (!result) return this.toQueue(payment.id, () => this.jobs.chargeAgainSoon(payment.id));
    paymentMetrics.charges.inc({ result });
    await this.toQueue(payment.id, () => this.jobs.forgetCharge(payment.id));
  }

  /** A queue call that fails leaves the job waiting: it then runs when its delay ends. */
  private async toQueue(paymentId: string, call: () => Promise<void>): Promise<void> {
    await call().catch((error: unknown) => this.unreachedJobs.failed(`payment ${paymentId}: ${String(error)}`));
  }

  /**
   * After the workers have drained: the charges not started go to their jobs, and the calls in
   * flight end within PAYMENT_PROVIDER_TIMEOUT_MS.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const handedOver = this.waiting.splice(0).map(({ payment }) => this.chargeByJob(payment.id));
    await Promise.allSettled([...handedOver, ...this.inFlight]);
  }
}
