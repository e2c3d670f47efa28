import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SETTINGS } from '#libs/config';
import type { PaymentsSettings } from '../../payments.settings';
import { sweeperRecovered } from '#libs/observability';
import { PaymentJobs } from '../ports/payment-jobs';
import { PaymentStore } from '../ports/payment-store';
import { ProviderEventStore } from '../ports/provider-event-store';

/** How many payments (and as many webhooks) one sweep looks at. */
const SWEEP_LIMIT = 500;

export interface Redriven {
  readonly charges: number;
  readonly refunds: number;
  readonly providerEvents: number;
}

export class RedriveOverduePayments extends Command<Redriven> {}

/**
 * The safety net under the payment jobs: payments and recorded webhooks that have waited
 * past PAYMENT_CHARGE_DEADLINE_SECONDS for a job get it scheduled again when it is gone
 * (docs/decisions/0002-deadlines-and-sweepers.md; README, "Deadlines").
 */
@CommandHandler(RedriveOverduePayments)
export class RedriveOverduePaymentsHandler implements ICommandHandler<RedriveOverduePayments> {
  constructor(
    private readonly payments: PaymentStore,
    private readonly providerEvents: ProviderEventStore,
    private readonly jobs: PaymentJobs,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {}

  async execute(): Promise<Redriven> {
    const deadline = this.settings.paymentChargeDeadlineSeconds;
    // Read outside any transaction: the queue calls below must not hold a connection if Redis is slow.
    const payments = await this.payments.pastDeadline(deadline, SWEEP_LIMIT);
    const events = await this.providerEvents.pastDeadline(deadline, SWEEP_LIMIT);
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
