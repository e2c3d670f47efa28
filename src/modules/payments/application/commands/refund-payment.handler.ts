import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SETTINGS } from '#libs/config';
import type { PaymentsSettings } from '../../payments.settings';
import { measuredProviderCall } from '../payment-metrics';
import { PaymentTransitions } from '../payment-transitions';
import { PAYMENT_PROVIDERS, type PaymentProviders } from '../ports/payment-provider';
import { PaymentStore } from '../ports/payment-store';

export class RefundPayment extends Command<'refunded' | 'refunded-before'> {
  constructor(readonly paymentId: string) {
    super();
  }
}

/**
 * Gives a payment's money back through its provider (one refund per payment: the provider
 * gets the same idempotency key on every retry), then records it and publishes
 * `PaymentRefunded`. Failures are thrown for the queue to retry: a refund is owed.
 */
@CommandHandler(RefundPayment)
export class RefundPaymentHandler implements ICommandHandler<RefundPayment> {
  constructor(
    private readonly payments: PaymentStore,
    private readonly transitions: PaymentTransitions,
    @Inject(PAYMENT_PROVIDERS) private readonly providers: PaymentProviders,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {}

  async execute({ paymentId }: RefundPayment): Promise<'refunded' | 'refunded-before'> {
    const state = await this.payments.transaction((manager) => this.payments.lock(manager, { id: paymentId }));
    if (state?.status === 'refunded') return 'refunded-before';
    // Requested in a transaction that may not have committed yet: retried until it has.
    if (state?.status !== 'refund_pending' || !state.providerChargeId) {
      throw new Error(`payment ${paymentId} has no refund pending (yet)`);
    }
    const provider = this.providers.get(state.provider);
    if (!provider) throw new Error(`payment ${paymentId}: no provider "${state.provider}" in this deployment`);
    const chargeId = state.providerChargeId;
    await measuredProviderCall(provider.name, 'refund', () =>
      provider.refund(
        { idempotencyKey: `refund-${paymentId}`, chargeId, amount: state.amount },
        this.settings.paymentProviderTimeoutMs,
      ),
    );
    await this.transitions.applyAlone({ id: paymentId }, (payment, now) => payment.refundSucceeded(now));
    return 'refunded';
  }
}
