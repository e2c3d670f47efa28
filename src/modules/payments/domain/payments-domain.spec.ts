import { createHmac } from 'node:crypto';
import {
  PAYMENT_STATUSES,
  Payment,
  STATUSES_UNMOVED_BY,
  type PaymentState,
  type PaymentStatus,
  type ProviderReport,
} from './payment';
import { PaymentsError } from './payment-errors';
import { signWebhook, verifyWebhook } from './webhook-signature';

const now = new Date('2026-03-01T10:00:00.000Z');
const later = new Date('2026-03-01T10:00:05.000Z');

const started = () =>
  Payment.start({
    id: '6f1c1c0e-1d1b-4c43-9b61-0c9b0a1f2a3b',
    orderId: '0b4c4bd2-7a55-4f2e-9a3e-1e1f1c1d1a1b',
    customerId: '9d2f6a8e-3c1b-4e5a-8f7d-2b1c0a9e8d7f',
    amount: { amount: 4200, currency: 'EUR' },
    paymentMethod: 'pm_card_ok',
    provider: 'sandbox',
    now,
  });

const inStatus = (status: PaymentStatus, patch: Partial<PaymentState> = {}) =>
  Payment.restore({ ...started().state, status, providerChargeId: 'ch_1', ...patch });

describe('Payment', () => {
  it('starts processing, counts attempts, and succeeds once however often the outcome arrives', () => {
    const payment = started();
    expect(payment.state).toMatchObject({ status: 'processing', version: 1, chargeAttempts: 0 });
    payment.chargeAttempted(now);
    expect(payment.state).toMatchObject({ chargeAttempts: 1, version: 2 });
    expect(payment.chargeSucceeded('ch_1', later)).toEqual({ kind: 'succeeded' });
    expect(payment.state).toMatchObject({ status: 'succeeded', providerChargeId: 'ch_1', version: 3 });
    // The webhook with the same outcome, and a late decline, change nothing.
    expect(payment.chargeSucceeded('ch_1', later)).toBeUndefined();
    expect(payment.chargeDeclined('card_declined', 'ch_1', later)).toBeUndefined();
    expect(payment.state.version).toBe(3);
  });

  it('fails on a decline; 3-D Secure waits in requires_action and then succeeds or fails', () => {
    const declined = started();
    expect(declined.chargeDeclined('card_declined', 'ch_2', now)).toEqual({ kind: 'failed', reason: 'card_declined' });
    expect(declined.state).toMatchObject({ status: 'failed', failureReason: 'card_declined' });
    expect(declined.chargeSucceeded('ch_2', now)).toBeUndefined();

    const waiting = started();
    expect(waiting.chargeRequiresAction('ch_3', now)).toEqual({ kind: 'requires-action' });
    expect(waiting.chargeRequiresAction('ch_3', now)).toBeUndefined();
    expect(waiting.chargeSucceeded('ch_3', later)).toEqual({ kind: 'succeeded' });
  });

  it('refunds money taken for a cancelled order, whenever the success arrives', () => {
    const paidThenCancelled = inStatus('succeeded');
    expect(paidThenCancelled.orderWasCancelled(now)).toEqual({
      kind: 'refund-requested',
      reason: 'order_cancelled',
      afterSuccess: false,
    });
    expect(paidThenCancelled.state).toMatchObject({ status: 'refund_pending', refundReason: 'order_cancelled' });
    expect(paidThenCancelled.orderWasCancelled(now)).toBeUndefined();

    // Cancelled while the charge was in flight: the charge's success is refunded.
    const inFlight = started();
    expect(inFlight.orderWasCancelled(now)).toEqual({ kind: 'noted' });
    expect(inFlight.awaitsCharge).toBe(true);
    expect(inFlight.chargeSucceeded('ch_4', later)).toEqual({
      kind: 'refund-requested',
      reason: 'order_cancelled',
      afterSuccess: true,
    });

    // Cancelled while waiting for 3-D Secure: dropped, and refunded if the customer completes it anyway.
    const waiting = inStatus('requires_action');
    expect(waiting.orderWasCancelled(now)).toEqual({ kind: 'cancelled' });
    expect(waiting.state.status).toBe('cancelled');
    expect(waiting.chargeSucceeded('ch_1', later)).toMatchObject({ kind: 'refund-requested', afterSuccess: true });
    expect(waiting.refundSucceeded(later)).toEqual({ kind: 'refunded' });
    expect(waiting.refundSucceeded(later)).toBeUndefined();
  });

  it('refunds a charge that went through although the payment failed without hearing from the provider', () => {
    const unheard = started();
    unheard.chargeDeclined('provider_unavailable', null, now);
    expect(unheard.chargeSucceeded('ch_5', later)).toEqual({
      kind: 'refund-requested',
      reason: 'order_cancelled',
      afterSuccess: true,
    });
    expect(unheard.state).toMatchObject({ status: 'refund_pending', providerChargeId: 'ch_5' });
    expect(unheard.chargeSucceeded('ch_5', later)).toBeUndefined();

    // A decline the provider answered is final: a success report for it changes nothing.
    const declined = started();
    declined.chargeDeclined('card_declined', 'ch_6', now);
    expect(declined.chargeSucceeded('ch_6', later)).toBeUndefined();
  });

  it('abandons a charge that never reached the provider once the order is cancelled', () => {
    const payment = started();
    payment.orderWasCancelled(now);
    expect(payment.abandonCharge(later)).toEqual({ kind: 'cancelled' });
    expect(payment.abandonCharge(later)).toBeUndefined();
  });

  it('lets an admin refund only a payment that succeeded, once', () => {
    const payment = inStatus('succeeded');
    expect(payment.requestRefund('requested_by_admin', now)).toMatchObject({ kind: 'refund-requested' });
    expect(payment.requestRefund('requested_by_admin', now)).toBeUndefined();
    for (const status of ['processing', 'requires_action', 'failed', 'cancelled'] as const) {
      expect(() => inStatus(status).requestRefund('requested_by_admin', now)).toThrow(PaymentsError);
    }
  });
});

describe('provider reports settled by being recorded', () => {
  /** Every way a payment changes, each applied to a copy of `payment`. */
  const transitions: ((payment: Payment) => unknown)[] = [
    (p) => p.chargeAttempted(later),
    (p) => p.chargeSucceeded('ch_2', later),
    (p) => p.chargeDeclined('card_declined', 'ch_2', later),
    (p) => p.chargeRequiresAction('ch_2', later),
    (p) => p.orderWasCancelled(later),
    (p) => p.abandonCharge(later),
    (p) => p.requestRefund('requested_by_admin', later),
    (p) => p.refundSucceeded(later),
    (p) => p.providerReported('charge.succeeded', 'ch_2', undefined, later),
    (p) => p.providerReported('charge.failed', 'ch_2', 'card_declined', later),
    (p) => p.providerReported('charge.refunded', 'ch_2', undefined, later),
  ];
  const reports = Object.keys(STATUSES_UNMOVED_BY) as ProviderReport[];

  /** Every payment state reachable from these (themselves included), one per status, cancellation and charge id. */
  function reachableFrom(start: readonly Payment[]): Payment[] {
    const frontier = [...start];
    const seen = new Map<string, Payment>();
    while (frontier.length > 0) {
      const payment = frontier.pop()!;
      const key = `${payment.state.status}/${payment.state.orderCancelled}/${payment.state.providerChargeId !== null}`;
      if (seen.has(key)) continue;
      seen.set(key, payment);
      for (const transition of transitions) {
        const next = Payment.restore(payment.state);
        try {
          transition(next);
          frontier.push(next);
        } catch (error) {
          expect(error).toBeInstanceOf(PaymentsError);
        }
      }
    }
    return [...seen.values()];
  }
  /** The status with the order cancelled or not, and with or without an answer from the provider. */
  const bothWays = (status: PaymentStatus) =>
    [false, true].flatMap((orderCancelled) =>
      ['ch_1', null].map((providerChargeId) => inStatus(status, { orderCancelled, providerChargeId })),
    );
  const moves = (payment: Payment, report: ProviderReport) =>
    Payment.restore(payment.state).providerReported(report, 'ch_9', 'card_declined', later) !== undefined;

  it.each(reports)(
    '%s: from its unmoved statuses, every path stays among them and the report changes nothing',
    (report) => {
      const unmoved = STATUSES_UNMOVED_BY[report];
      const reachable = reachableFrom(unmoved.flatMap(bothWays));
      expect(reachable.length).toBeGreaterThanOrEqual(unmoved.length);
      for (const payment of reachable) {
        expect(unmoved).toContain(payment.state.status);
        expect({ status: payment.state.status, moved: moves(payment, report) }).toEqual({
          status: payment.state.status,
          moved: false,
        });
      }
    },
  );

  it('leaves out only statuses the report moves, at once or after some change', () => {
    for (const report of reports) {
      for (const status of PAYMENT_STATUSES.filter((s) => !STATUSES_UNMOVED_BY[report].includes(s))) {
        const moved = reachableFrom(bothWays(status)).some((payment) => moves(payment, report));
        expect({ report, status, moved }).toEqual({ report, status, moved: true });
      }
    }
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"evt_12345678","type":"charge.succeeded"}';
  const t = 1_770_000_000;

  it('signs with the documented recipe and verifies within five minutes', () => {
    const header = signWebhook(secret, body, t);
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    expect(verifyWebhook(secret, body, header, t + 300)).toEqual({ valid: true, timestamp: t });
    expect(verifyWebhook(secret, Buffer.from(body), header, t)).toEqual({ valid: true, timestamp: t });
  });

  it('refuses old or future timestamps, tampered bodies, other secrets and malformed headers', () => {
    const header = signWebhook(secret, body, t);
    expect(verifyWebhook(secret, body, header, t + 301)).toEqual({ valid: false, reason: 'too-old' });
    expect(verifyWebhook(secret, body, header, t - 301)).toEqual({ valid: false, reason: 'from-the-future' });
    expect(verifyWebhook(secret, body.replace('succeeded', 'failed'), header, t)).toMatchObject({ valid: false });
    expect(verifyWebhook('whsec_other', body, header, t)).toEqual({ valid: false, reason: 'mismatch' });
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=x,v1=${'0'.repeat(64)}`, `t=${t},t=${t},v1=00`]) {
      expect(verifyWebhook(secret, body, bad, t)).toMatchObject({ valid: false });
    }
    expect(verifyWebhook(secret, body, `t=${t},v1=zz`, t)).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('accepts any of several v1 signatures (a secret being rotated)', () => {
    const good = signWebhook(secret, body, t).split(',')[1]!;
    expect(verifyWebhook(secret, body, `t=${t},v1=${'a'.repeat(64)},${good}`, t)).toMatchObject({ valid: true });
  });
});
