import { Inject, Injectable, Logger } from '@nestjs/common';
import { SETTINGS } from '#libs/config';
import type { PaymentState } from '../domain/payment';
import type { PaymentsSettings } from '../payments.settings';
import { measuredProviderCall } from './payment-metrics';
import { PaymentTransitions } from './payment-transitions';
import {
  PAYMENT_PROVIDERS,
  type PaymentProvider,
  ProviderUnavailableError,
  type ChargeOutcome,
  type PaymentProviders,
} from './ports/payment-provider';

export type ChargeResult =
  | 'charged'
  | 'declined'
  | 'requires-action'
  | 'settled-before'
  | 'abandoned'
  /** The transaction that created the payment and scheduled its charge rolled back. */
  | 'never-created';

/** The payment's idempotency key at the provider: the same on every retry of its one charge. */
export function chargeKey(paymentId: string): string {
  return `charge-${paymentId}`;
}

/**
 * One call to the provider for a payment whose attempt has been counted and committed, and
 * its outcome applied to the locked payment (a webhook may have settled it first). The call
 * runs outside any transaction: it may take seconds. Transient errors are thrown for the
 * caller to retry with the same idempotency key, so a charge that went through unseen is not
 * made twice; on the last attempt the provider is asked what became of the charge, and the
 * payment fails only when it cannot say (a success reported later is then refunded).
 */
@Injectable()
export class ProviderCharge {
  private readonly logger = new Logger('Payments');

  constructor(
    private readonly transitions: PaymentTransitions,
    @Inject(PAYMENT_PROVIDERS) private readonly providers: PaymentProviders,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {}

  async attempt(state: PaymentState, lastAttempt: boolean): Promise<ChargeResult> {
    const paymentId = state.id;
    const provider = this.providers.get(state.provider);
    if (!provider) throw new Error(`payment ${paymentId}: no provider "${state.provider}" in this deployment`);
    const timeoutMs = this.settings.paymentProviderTimeoutMs;
    try {
      if (state.orderCancelled) {
        // An earlier attempt may have gone through unseen: settle what it did, charge nothing new.
        const earlier =
          state.chargeAttempts > 0 ? await provider.findCharge(chargeKey(paymentId), timeoutMs) : undefined;
        if (earlier) return await this.settle(paymentId, earlier);
        await this.transitions.applyAlone({ id: paymentId }, (payment, now) => payment.abandonCharge(now));
        return 'abandoned';
      }
      const outcome = await measuredProviderCall(provider.name, 'charge', () =>
        provider.charge(
          {
            idempotencyKey: chargeKey(paymentId),
            amount: state.amount,
            paymentMethod: state.paymentMethod,
            reference: paymentId,
          },
          timeoutMs,
        ),
      );
      return await this.settle(paymentId, outcome);
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError) || !lastAttempt) throw error;
      // The call may have gone through unseen: fail the payment only if the provider cannot say it did.
      const made = await lookedUp(provider, paymentId, timeoutMs);
      if (made) return await this.settle(paymentId, made);
      this.logger.warn(`payment ${paymentId}: provider unavailable on the last attempt (${error.message})`);
      await this.transitions.applyAlone({ id: paymentId }, (payment, now) =>
        payment.chargeDeclined('provider_unavailable', null, now),
      );
      return 'declined';
    }
  }

  private async settle(paymentId: string, outcome: ChargeOutcome): Promise<ChargeResult> {
    await this.transitions.applyAlone({ id: paymentId }, (payment, now) => {
      switch (outcome.status) {
        case 'succeeded':
          return payment.chargeSucceeded(outcome.chargeId, now);
        case 'declined':
          return payment.chargeDeclined(outcome.declineCode, outcome.chargeId, now);
        case 'requires_action':
          return payment.chargeRequiresAction(outcome.chargeId, now);
      }
    });
    return outcome.status === 'succeeded' ? 'charged' : outcome.status === 'declined' ? 'declined' : 'requires-action';
  }
}

/** What became of the payment's charge at the provider; undefined also when the provider cannot be asked. */
async function lookedUp(
  provider: PaymentProvider,
  paymentId: string,
  timeoutMs: number,
): Promise<ChargeOutcome | undefined> {
  try {
    return await provider.findCharge(chargeKey(paymentId), timeoutMs);
  } catch (error) {
    if (error instanceof ProviderUnavailableError) return undefined;
    throw error;
  }
}
