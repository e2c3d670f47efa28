import { PaymentsError } from './payment-errors';

export const PAYMENT_STATUSES = [
  'processing',
  'requires_action',
  'succeeded',
  'failed',
  'refund_pending',
  'refunded',
  'cancelled',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export type RefundReason = 'requested_by_admin' | 'order_cancelled';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a provider's reference can name a payment at all (payment ids are UUIDs). */
export function isPaymentId(reference: string): boolean {
  return UUID.test(reference);
}

/** What a provider reports about a payment's charge, in its own time (webhooks). */
export type ProviderReport = 'charge.succeeded' | 'charge.failed' | 'charge.refunded';

/**
 * Statuses a report of this kind can never move: such a report is settled by being recorded, with
 * no job (docs/decisions/0031-provider-webhook-settled-at-receipt.md). payments-domain.spec.ts holds this.
 */
export const STATUSES_UNMOVED_BY: Readonly<Record<ProviderReport, readonly PaymentStatus[]>> = {
  // Not `failed`: a payment that failed unheard is refunded when its charge turns out to have gone through.
  'charge.succeeded': ['succeeded', 'refund_pending', 'refunded'],
  'charge.failed': ['succeeded', 'failed', 'refund_pending', 'refunded', 'cancelled'],
  'charge.refunded': ['refunded'],
};

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export interface PaymentState {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: Money;
  readonly paymentMethod: string;
  readonly provider: string;
  readonly status: PaymentStatus;
  /** The provider's id of the charge, once it answered. */
  readonly providerChargeId: string | null;
  /** Set when the payment failed: the provider's decline code or why the charge gave up. */
  readonly failureReason: string | null;
  readonly refundReason: RefundReason | null;
  /** The order was cancelled: money taken for it (now or later) goes back. */
  readonly orderCancelled: boolean;
  /** Calls made to the provider to charge (retries included). */
  readonly chargeAttempts: number;
  /** 1 when created, +1 on every change. */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What changed, and so what the rest of the system hears. */
export type PaymentChange =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'requires-action' }
  | { readonly kind: 'refund-requested'; readonly reason: RefundReason; readonly afterSuccess: boolean }
  | { readonly kind: 'refunded' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'noted' };

/**
 * Provider outcomes arrive in any order and any number of times: each method is a no-op once the
 * payment is past it. Money taken for a cancelled order is always refunded.
 */
export class Payment {
  private constructor(private current: PaymentState) {}

  static restore(state: PaymentState): Payment {
    return new Payment(state);
  }

  static start(input: {
    id: string;
    orderId: string;
    customerId: string;
    amount: Money;
    paymentMethod: string;
    provider: string;
    now: Date;
  }): Payment {
    return new Payment({
      id: input.id,
      orderId: input.orderId,
      customerId: input.customerId,
      amount: input.amount,
      paymentMethod: input.paymentMethod,
      provider: input.provider,
      status: 'processing',
      providerChargeId: null,
      failureReason: null,
      refundReason: null,
      orderCancelled: false,
      chargeAttempts: 0,
      version: 1,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  get state(): PaymentState {
    return this.current;
  }

  /** Whether a charge job should (still) call the provider. */
  get awaitsCharge(): boolean {
    return this.current.status === 'processing';
  }

  /** A provider's report (a webhook) about this payment's charge. */
  providerReported(
    report: ProviderReport,
    chargeId: string,
    declineCode: string | undefined,
    now: Date,
  ): PaymentChange | undefined {
    switch (report) {
      case 'charge.succeeded':
        return this.chargeSucceeded(chargeId, now);
      case 'charge.failed':
        return this.chargeDeclined(declineCode ?? 'card_declined', chargeId, now);
      case 'charge.refunded':
        return this.refundSucceeded(now);
    }
  }

  chargeAttempted(now: Date): PaymentChange {
    return this.change({ chargeAttempts: this.current.chargeAttempts + 1 }, now, { kind: 'noted' });
  }

  chargeSucceeded(chargeId: string, now: Date): PaymentChange | undefined {
    const { status } = this.current;
    // Failed without an answer from the provider (every call timed out): a charge may have gone through.
    const failedUnheard = status === 'failed' && this.current.providerChargeId === null;
    if (status !== 'processing' && status !== 'requires_action' && status !== 'cancelled' && !failedUnheard) {
      return undefined;
    }
    if (status === 'cancelled' || failedUnheard || this.current.orderCancelled) {
      // Taken after the order or the payment was given up: straight back to the customer.
      return this.change(
        { status: 'refund_pending', providerChargeId: chargeId, refundReason: 'order_cancelled' },
        now,
        { kind: 'refund-requested', reason: 'order_cancelled', afterSuccess: true },
      );
    }
    return this.change({ status: 'succeeded', providerChargeId: chargeId }, now, { kind: 'succeeded' });
  }

  chargeDeclined(reason: string, chargeId: string | null, now: Date): PaymentChange | undefined {
    const { status } = this.current;
    if (status !== 'processing' && status !== 'requires_action') return undefined;
    return this.change(
      { status: 'failed', failureReason: reason, providerChargeId: chargeId ?? this.current.providerChargeId },
      now,
      { kind: 'failed', reason },
    );
  }

  chargeRequiresAction(chargeId: string, now: Date): PaymentChange | undefined {
    if (this.current.status !== 'processing') return undefined;
    if (this.current.orderCancelled) {
      return this.change({ status: 'cancelled', providerChargeId: chargeId }, now, { kind: 'cancelled' });
    }
    return this.change({ status: 'requires_action', providerChargeId: chargeId }, now, { kind: 'requires-action' });
  }

  /** Not charged yet: cancelled (a pending authentication is refunded if it completes). Charged: refund. */
  orderWasCancelled(now: Date): PaymentChange | undefined {
    if (this.current.orderCancelled) return undefined;
    switch (this.current.status) {
      case 'succeeded':
        return this.change({ orderCancelled: true, status: 'refund_pending', refundReason: 'order_cancelled' }, now, {
          kind: 'refund-requested',
          reason: 'order_cancelled',
          afterSuccess: false,
        });
      case 'processing':
        // A charge may be in flight: the charge job settles it (and refunds if it went through).
        return this.change({ orderCancelled: true }, now, { kind: 'noted' });
      case 'requires_action':
        return this.change({ orderCancelled: true, status: 'cancelled' }, now, { kind: 'cancelled' });
      default:
        return this.change({ orderCancelled: true }, now, { kind: 'noted' });
    }
  }

  /** The charge job found the order cancelled before it ever reached the provider. */
  abandonCharge(now: Date): PaymentChange | undefined {
    if (this.current.status !== 'processing') return undefined;
    return this.change({ status: 'cancelled' }, now, { kind: 'cancelled' });
  }

  requestRefund(reason: RefundReason, now: Date): PaymentChange | undefined {
    const { status } = this.current;
    if (status === 'refund_pending' || status === 'refunded') return undefined;
    if (status !== 'succeeded') {
      throw new PaymentsError('payment-not-refundable', `payment ${this.current.id} is ${status}: nothing to refund`);
    }
    return this.change({ status: 'refund_pending', refundReason: reason }, now, {
      kind: 'refund-requested',
      reason,
      afterSuccess: false,
    });
  }

  refundSucceeded(now: Date): PaymentChange | undefined {
    if (this.current.status !== 'refund_pending') return undefined;
    return this.change({ status: 'refunded' }, now, { kind: 'refunded' });
  }

  private change(patch: Partial<PaymentState>, now: Date, change: PaymentChange): PaymentChange {
    this.current = { ...this.current, ...patch, version: this.current.version + 1, updatedAt: now };
    return change;
  }
}
