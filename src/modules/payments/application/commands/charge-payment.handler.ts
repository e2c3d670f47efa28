import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { paymentMetrics } from '../payment-metrics';
import { PaymentTransitions } from '../payment-transitions';
import { ProviderCharge, type ChargeResult } from '../provider-charge';

export class ChargePayment extends Command<ChargeResult> {
  constructor(
    readonly paymentId: string,
    /** No attempt follows this one: a transient failure now fails the payment. */
    readonly lastAttempt: boolean,
  ) {
    super();
  }
}

/**
 * The charge job's: counts the attempt in a transaction of its own, then calls the provider.
 * Runs when the charge made at once after the payment's creation did not settle it (see
 * `ChargesAtOnce`), and when the sweeper schedules a lost charge again.
 */
@CommandHandler(ChargePayment)
export class ChargePaymentHandler implements ICommandHandler<ChargePayment> {
  constructor(
    private readonly transitions: PaymentTransitions,
    private readonly providerCharge: ProviderCharge,
  ) {}

  async execute({ paymentId, lastAttempt }: ChargePayment): Promise<ChargeResult> {
    const before = await this.transitions.applyAlone({ id: paymentId }, (payment, now) =>
      payment.awaitsCharge && !payment.state.orderCancelled ? payment.chargeAttempted(now) : undefined,
    );
    if (!before) {
      // Scheduled in the transaction that creates the payment: it may not be visible yet. By the
      // last attempt that transaction has long ended; rolled back, it left nothing to charge.
      if (!lastAttempt) throw new Error(`payment ${paymentId} does not exist (yet)`);
      paymentMetrics.charges.inc({ result: 'never-created' });
      return 'never-created';
    }
    const result = before.payment.awaitsCharge
      ? await this.providerCharge.attempt(before.payment.state, lastAttempt)
      : 'settled-before';
    paymentMetrics.charges.inc({ result });
    return result;
  }
}
