import { createHmac, randomUUID } from 'node:crypto';
import { eventually } from '../support/eventually';
import { adminToken, api, crashWorkersOf, customerBearer, target } from './target';

interface Order {
  id: string;
  status: string;
  cancelReason?: string;
  total: { amount: number; currency: string };
}

interface Payment {
  id: string;
  orderId: string;
  status: string;
  amount: { amount: number; currency: string };
  providerChargeId: string | null;
  failureReason?: string;
  refundReason?: string;
  chargeAttempts: number;
  version: number;
}

/** The recipe a provider signs with: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
const sign = (body: string, secret = target.paymentWebhookSecret, t = Math.floor(Date.now() / 1000)) =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;

describe(`payments: charging through the sandbox provider, webhooks and refunds (${target.topology})`, () => {
  let admin: string;
  let productId: string;
  let sku: string;

  beforeAll(async () => {
    admin = `Bearer ${await adminToken()}`;
    const unique = randomUUID().slice(0, 8);
    const categoryId = (
      await api()
        .post('/v1/categories')
        .set('Authorization', admin)
        .send({ name: 'Payments', slug: `payments-${unique}` })
        .expect(201)
    ).body.id as string;
    sku = `PAY-${unique}`;
    productId = (
      await api()
        .post('/v1/products')
        .set('Authorization', admin)
        .send({
          sku,
          name: `Payment test ${sku}`,
          description: '',
          categoryId,
          price: { amount: 4200, currency: 'EUR' },
          status: 'active',
        })
        .expect(201)
    ).body.id as string;
    await eventually(
      () => api().put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: 1000 }),
      (r) => r.status === 200,
      { what: `inventory's stock row for ${sku}` },
    );
  });

  const place = async (paymentMethod: string, bearer?: string): Promise<{ order: Order; bearer: string }> => {
    const buyer = bearer ?? (await customerBearer());
    // Until ordering's copy of the catalog has the product, placing is refused (422).
    const response = await eventually(
      () =>
        api()
          .post('/v1/orders')
          .set('Authorization', buyer)
          .set('Idempotency-Key', randomUUID())
          .send({ lines: [{ productId, quantity: 1 }], paymentMethod }),
      (r) => r.status === 201,
      { what: `an order paid with ${paymentMethod}` },
    );
    return { order: response.body as Order, bearer: buyer };
  };

  const orderSettles = (bearer: string, id: string, accept: (o: Order) => boolean, timeoutMs = 30_000) =>
    eventually(
      () => api().get(`/v1/orders/${id}`).set('Authorization', bearer).expect(200),
      (r) => accept(r.body as Order),
      { timeoutMs, what: `order ${id}` },
    ).then((r) => r.body as Order);

  const paymentOf = (bearer: string, orderId: string, accept: (p: Payment) => boolean, timeoutMs = 30_000) =>
    eventually(
      () => api().get(`/v1/orders/${orderId}/payment`).set('Authorization', bearer),
      (r) => r.status === 200 && accept(r.body as Payment),
      { timeoutMs, what: `payment of order ${orderId}` },
    ).then((r) => r.body as Payment);

  const sandboxCharges = async (paymentId: string) =>
    (
      await api()
        .get('/v1/payments/sandbox/charges')
        .query({ reference: paymentId })
        .set('Authorization', admin)
        .expect(200)
    ).body as { items: { id: string; status: string }[]; requests: number };

  it('pm_card_ok: charged once, the order is confirmed', async () => {
    const { order, bearer } = await place('pm_card_ok');
    await orderSettles(bearer, order.id, (o) => o.status === 'confirmed');
    const payment = await paymentOf(bearer, order.id, (p) => p.status === 'succeeded');
    expect(payment.amount).toEqual(order.total);
    expect((await sandboxCharges(payment.id)).items).toHaveLength(1);
    // The customer and admins see it; anyone else gets 404.
    await api().get(`/v1/payments/${payment.id}`).set('Authorization', bearer).expect(200);
    await api().get(`/v1/payments/${payment.id}`).set('Authorization', admin).expect(200);
    await api()
      .get(`/v1/payments/${payment.id}`)
      .set('Authorization', await customerBearer())
      .expect(404);
    await api().get(`/v1/payments/${randomUUID()}`).set('Authorization', admin).expect(404);
  });

  it('pm_card_declined: not retried, the order is cancelled payment_failed', async () => {
    const { order, bearer } = await place('pm_card_declined');
    const cancelled = await orderSettles(bearer, order.id, (o) => o.status === 'cancelled');
    expect(cancelled.cancelReason).toBe('payment_failed');
    const payment = await paymentOf(bearer, order.id, (p) => p.status === 'failed');
    expect(payment.failureReason).toBe('card_declined');
    expect(payment.chargeAttempts).toBe(1);
    expect((await sandboxCharges(payment.id)).requests).toBe(1);
  });

  it('pm_card_slow: the 3 s answer is waited for, the order is confirmed', async () => {
    const started = Date.now();
    const { order, bearer } = await place('pm_card_slow');
    await orderSettles(bearer, order.id, (o) => o.status === 'confirmed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  });

  it('pm_card_flaky: two 503s are retried with the same idempotency key, and the card is charged exactly once', async () => {
    const { order, bearer } = await place('pm_card_flaky');
    await orderSettles(bearer, order.id, (o) => o.status === 'confirmed');
    const payment = await paymentOf(bearer, order.id, (p) => p.status === 'succeeded');
    expect(payment.chargeAttempts).toBe(3);
    const sandbox = await sandboxCharges(payment.id);
    expect(sandbox.requests).toBe(3);
    expect(sandbox.items).toHaveLength(1);
  });

  it('pm_card_3ds: waits for the customer, then the confirmation webhook confirms the order', async () => {
    const { order, bearer } = await place('pm_card_3ds');
    const waiting = await paymentOf(bearer, order.id, (p) => p.status === 'requires_action');
    expect((await api().get(`/v1/orders/${order.id}`).set('Authorization', bearer).expect(200)).body.status).toBe(
      'stock_reserved',
    );
    await api()
      .post(`/v1/payments/sandbox/charges/${waiting.providerChargeId}/authenticate`)
      .set('Authorization', bearer)
      .send({})
      .expect(200);
    await orderSettles(bearer, order.id, (o) => o.status === 'confirmed');
    await paymentOf(bearer, order.id, (p) => p.status === 'succeeded');

    // Failing the authentication fails the payment.
    const second = await place('pm_card_3ds');
    const pending = await paymentOf(second.bearer, second.order.id, (p) => p.status === 'requires_action');
    await api()
      .post(`/v1/payments/sandbox/charges/${pending.providerChargeId}/authenticate`)
      .set('Authorization', second.bearer)
      .send({ outcome: 'failed' })
      .expect(200);
    const cancelled = await orderSettles(second.bearer, second.order.id, (o) => o.status === 'cancelled');
    expect(cancelled.cancelReason).toBe('payment_failed');
  });

  describe('provider webhooks', () => {
    const url = '/v1/payments/webhooks/sandbox';
    const post = (body: string, signature: string) =>
      api().post(url).set('Content-Type', 'application/json').set('Sandbox-Signature', signature).send(body);

    it('accepts a valid signature; refuses a tampered body, an old timestamp and a wrong secret; a replayed event id has one effect', async () => {
      const { order, bearer } = await place('pm_card_3ds');
      const waiting = await paymentOf(bearer, order.id, (p) => p.status === 'requires_action');
      const event = {
        id: `evt_${randomUUID().replaceAll('-', '')}`,
        type: 'charge.succeeded',
        created: Math.floor(Date.now() / 1000),
        data: { chargeId: waiting.providerChargeId, reference: waiting.id },
      };
      const body = JSON.stringify(event);

      const tampered = body.replace(waiting.id, randomUUID());
      expect((await post(tampered, sign(body))).status).toBe(400);
      expect(
        (await post(body, sign(body, target.paymentWebhookSecret, Math.floor(Date.now() / 1000) - 301))).status,
      ).toBe(400);
      expect((await post(body, sign(body, 'whsec_wrong'))).status).toBe(400);
      expect((await post(body, 't=1,v1=00')).body.type).toBe('https://tessera.dev/problems/webhook-signature-invalid');
      expect((await post(body, '')).status).toBe(400);
      await post(body, sign(body)).expect(200, { received: true, duplicate: false });
      // Sent again (a provider retrying), at once and later: recorded once, applied once.
      const replays = await Promise.all([1, 2, 3].map(() => post(body, sign(body))));
      for (const replay of replays) expect(replay.body).toEqual({ received: true, duplicate: true });

      await orderSettles(bearer, order.id, (o) => o.status === 'confirmed');
      const paid = await paymentOf(bearer, order.id, (p) => p.status === 'succeeded');
      // processing(1) -> attempt counted(2) -> requires_action(3) -> succeeded(4): nothing more.
      expect(paid.version).toBe(4);
      await post(body, sign(body)).expect(200, { received: true, duplicate: true });
      await api().post('/v1/payments/webhooks/nope').set('Content-Type', 'application/json').send(body).expect(404);
    });
  });

  describe('refunds', () => {
    it('an admin refunds a succeeded payment once; other statuses are 409 and customers are 403', async () => {
      const { order, bearer } = await place('pm_card_ok');
      await orderSettles(bearer, order.id, (o) => o.status === 'confirmed');
      const payment = await paymentOf(bearer, order.id, (p) => p.status === 'succeeded');
      await api().post(`/v1/payments/${payment.id}/refund`).set('Authorization', bearer).expect(403);
      const pending = await api().post(`/v1/payments/${payment.id}/refund`).set('Authorization', admin).expect(202);
      expect(['refund_pending', 'refunded']).toContain(pending.body.status);
      const refunded = await paymentOf(bearer, order.id, (p) => p.status === 'refunded');
      expect(refunded.refundReason).toBe('requested_by_admin');
      await api().post(`/v1/payments/${payment.id}/refund`).set('Authorization', admin).expect(202);
      expect((await sandboxCharges(payment.id)).items.map((c) => c.status)).toEqual(['refunded']);

      const declined = await place('pm_card_declined');
      const failed = await paymentOf(declined.bearer, declined.order.id, (p) => p.status === 'failed');
      const refused = await api().post(`/v1/payments/${failed.id}/refund`).set('Authorization', admin).expect(409);
      expect(refused.body.type).toBe('https://tessera.dev/problems/payment-not-refundable');
    });

    it('a confirmed order that an admin cancels is refunded', async () => {
      const { order, bearer } = await place('pm_card_ok');
      await orderSettles(bearer, order.id, (o) => o.status === 'confirmed');
      await api().post(`/v1/orders/${order.id}/cancel`).set('Authorization', bearer).expect(409);
      await api().post(`/v1/orders/${order.id}/cancel`).set('Authorization', admin).expect(200);
      const refunded = await paymentOf(bearer, order.id, (p) => p.status === 'refunded');
      expect(refunded.refundReason).toBe('order_cancelled');
    });
  });

  it('a worker killed with SIGKILL mid-charge charges once after it restarts', async () => {
    const { order, bearer } = await place('pm_card_slow');
    // The sandbox has made the charge and holds its answer (and its webhook) for 3 s: the
    // worker dies waiting, and the sandbox with it (it runs in the same processes).
    const charging = await paymentOf(bearer, order.id, (p) => p.chargeAttempts === 1, 15_000);
    await eventually(
      () => sandboxCharges(charging.id),
      (s) => s.items.length === 1,
      { what: 'the charge at the sandbox' },
    );
    expect(await crashWorkersOf('payments')).toBeGreaterThan(0);
    await orderSettles(bearer, order.id, (o) => o.status === 'confirmed', 60_000);
    const payment = await paymentOf(bearer, order.id, (p) => p.status === 'succeeded');
    // The restarted worker asked again with the same key and got the charge already made.
    expect(payment.chargeAttempts).toBe(2);
    const sandbox = await sandboxCharges(payment.id);
    expect(sandbox.requests).toBe(2);
    expect(sandbox.items).toHaveLength(1);
  }, 120_000);
});
