import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { PaymentsSettings } from '../../payments.settings';
import { sweeperRecovered } from '#libs/observability';
import { PaymentJobs } from '../../infrastructure/payment-jobs';
import { paymentsPastDeadline, providerEventsPastDeadline } from '../../infrastructure/payment-store';

/** How many payments (and as many webhooks) one sweep looks at. */
const SWEEP_LIMIT = 500;

export interface Redriven {
  readonly charges: number;
  readonly refunds: number;
  readonly providerEvents: number;
}

export class RedriveOverduePayments extends Command<Redriven> {}

/**
 * The safety net under the payment jobs. A payment that has shown no change for
 * PAYMENT_CHARGE_DEADLINE_SECONDS while it waits for a job (`processing`: its charge;
 * `refund_pending`: its refund), and a recorded webhook not applied by then, get their job
 * scheduled again when it is gone: Redis lost it, or it failed for good on an error that was
 * not the provider's. The charge runs as it always does (`ChargePayment`): the attempt is
 * counted, the provider is asked with the payment's one idempotency key (`charge-<id>`), so a
 * charge it already made is answered, not made twice; a cancelled order's charge is settled
 * (found and refunded, or abandoned). Jobs that still exist are left alone, and replicas
 * sweeping at once schedule one job (its id is the payment's). A payment waiting for the
 * customer's 3-D Secure step is not waiting for a job: the order's deadline ends it.
 */
@CommandHandler(RedriveOverduePayments)
export class RedriveOverduePaymentsHandler implements ICommandHandler<RedriveOverduePayments> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: PaymentJobs,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {}

  async execute(): Promise<Redriven> {
    const deadline = this.settings.paymentChargeDeadlineSeconds;
    // Read outside any transaction: the queue calls below must not hold a connection if Redis is slow.
    const payments = await paymentsPastDeadline(this.dataSource.manager, deadline, SWEEP_LIMIT);
    const events = await providerEventsPastDeadline(this.dataSource.manager, deadline, SWEEP_LIMIT);
    const redriven: Redriven = {
      charges: await this.jobs.chargeAgain(payments.filter((p) => p.status === 'processing').map((p) => p.id)),
      refunds: await this.jobs.refundAgain(payments.filter((p) => p.status === 'refund_pending').map((p) => p.id)),
      providerEvents: await this.jobs.applyProviderEventsAgain(events),
    };
    sweeperRecovered.inc({ module: 'payments', kind: 'charge' }, redriven.charges);
    sweeperRecovered.inc({ module: 'payments', kind: 'refund' }, redriven.refunds);
    sweeperRecovered.inc({ module: 'payments', kind: 'provider_event' }, redriven.providerEvents);
    return redriven;
  }
}
