import { randomUUID } from 'node:crypto';
import { stockedProduct } from '../support/stocked-product';
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { redisQueues } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';
const problem = (slug: string) => `https://tessera.dev/problems/${slug}`;

interface Order {
  id: string;
  status: string;
  version: number;
}

interface Payment {
  id: string;
  orderId: string;
  status: string;
  providerChargeId: string | null;
  version: number;
}

interface Customer {
  id: string;
  bearer: string;
}

/**
 * Customer B knows the ids of customer A's order, payment, 3-D Secure charge, webhook endpoint
 * and delivery (ids leak: logs, screenshots, support tickets), and tries every route with them.
 * Each answers as if the resource did not exist (403 only where the route is documented as
 * admin-only), and nothing of A's changes. The real modules, in one process.
 */
describe("ownership: one customer cannot read or act on another's resources", () => {
  const queues = redisQueues(uniqueId('owners'));
  let db: TestDatabase;
  let app: AppProcess;
  let receiver: Server;
  let receiverPort: number;
  let admin: string;
  let productId: string;
  let sku: string;
  let alice: Customer;
  let bob: Customer;

  const api = () => request(app.url);

  const customer = async (label: string): Promise<Customer> => {
    const bearer = `Bearer ${(await sessionFor(app.url, freshEmail(label))).accessToken}`;
    const me = await api().get('/v1/me').set('Authorization', bearer).expect(200);
    return { id: me.body.id as string, bearer };
  };

  const place = async (buyer: Customer): Promise<Order> =>
    (
      await eventually(
        () =>
          api()
            .post('/v1/orders')
            .set('Authorization', buyer.bearer)
            .set('Idempotency-Key', randomUUID())
            .send({ lines: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_3ds' }),
        (r) => r.status === 201,
        { what: "an order (once ordering's copy of the product exists)" },
      )
    ).body as Order;

  const orderOf = async (buyer: Customer, id: string): Promise<Order> =>
    (await api().get(`/v1/orders/${id}`).set('Authorization', buyer.bearer).expect(200)).body as Order;

  const paymentIn = (buyer: Customer, orderId: string, status: string): Promise<Payment> =>
    eventually(
      () => api().get(`/v1/orders/${orderId}/payment`).set('Authorization', buyer.bearer),
      (r) => r.status === 200 && (r.body as Payment).status === status,
      { timeoutMs: 30_000, what: `payment of order ${orderId} in ${status}` },
    ).then((r) => r.body as Payment);

  const orderIn = (buyer: Customer, orderId: string, status: string): Promise<Order> =>
    eventually(
      () => orderOf(buyer, orderId),
      (order) => order.status === status,
      { timeoutMs: 30_000, what: `order ${orderId} ${status}` },
    );

  const sandboxCharge = async (paymentId: string) =>
    (
      (await api().get('/v1/payments/sandbox/charges').query({ reference: paymentId }).set('Authorization', admin))
        .body as { items: { id: string; status: string }[] }
    ).items;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    db = await createTestDatabase('owners');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...queues.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        RELAY_POLL_MS: '200',
        WEBHOOK_ALLOWED_TARGETS: `127.0.0.1:${receiverPort}`,
      },
    });
    admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    ({ productId, sku } = await stockedProduct(app.url, admin, { label: 'Owners', name: 'Owned lamp', onHand: 100 }));
    [alice, bob] = await Promise.all([customer('alice'), customer('bob')]);
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    await new Promise((resolve) => receiver?.close(resolve));
    await queues.cleanup();
  });

  it("answers B 404 for each of A's resources (403 for admin-only routes), and A's stay as they were", async () => {
    const endpoint = (
      await api()
        .post('/v1/webhook-endpoints')
        .set('Authorization', alice.bearer)
        .send({ url: `http://127.0.0.1:${receiverPort}/alice`, eventTypes: ['order.placed'] })
        .expect(201)
    ).body as { id: string };
    const order = await place(alice);
    const payment = await paymentIn(alice, order.id, 'requires_action');
    const deliveries = await eventually(
      async () =>
        (await api().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`).set('Authorization', alice.bearer))
          .body as { items: { id: string; status: string }[] },
      (page) => page.items.some((delivery) => delivery.status === 'delivered'),
      { what: "A's order.placed delivery" },
    );
    const delivery = deliveries.items[0]!;
    const before = { order: await orderOf(alice, order.id), payment, charges: await sandboxCharge(payment.id) };
    expect(before.order.status).toBe('stock_reserved');
    expect(before.charges).toEqual([
      expect.objectContaining({ id: payment.providerChargeId, status: 'requires_action' }),
    ]);

    const attempts: [string, () => request.Test, number, string][] = [
      ['GET the order', () => api().get(`/v1/orders/${order.id}`), 404, 'order-not-found'],
      ['cancel the order', () => api().post(`/v1/orders/${order.id}/cancel`), 404, 'order-not-found'],
      ['GET its payment', () => api().get(`/v1/payments/${payment.id}`), 404, 'payment-not-found'],
      ['GET the payment by order', () => api().get(`/v1/orders/${order.id}/payment`), 404, 'payment-not-found'],
      ['refund the payment (admin only)', () => api().post(`/v1/payments/${payment.id}/refund`), 403, 'forbidden'],
      [
        'complete its 3-D Secure step',
        () => api().post(`/v1/payments/sandbox/charges/${payment.providerChargeId}/authenticate`).send({}),
        404,
        'sandbox-charge-not-found',
      ],
      [
        'fail its 3-D Secure step',
        () =>
          api()
            .post(`/v1/payments/sandbox/charges/${payment.providerChargeId}/authenticate`)
            .send({ outcome: 'failed' }),
        404,
        'sandbox-charge-not-found',
      ],
      [
        "list the sandbox's charges (admin only)",
        () => api().get('/v1/payments/sandbox/charges').query({ reference: payment.id }),
        403,
        'forbidden',
      ],
      [
        'list the endpoint deliveries',
        () => api().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`),
        404,
        'webhook-endpoint-not-found',
      ],
      [
        'redeliver a delivery',
        () => api().post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/redeliver`),
        404,
        'webhook-endpoint-not-found',
      ],
      [
        'enable the endpoint',
        () => api().post(`/v1/webhook-endpoints/${endpoint.id}/enable`),
        404,
        'webhook-endpoint-not-found',
      ],
      [
        'delete the endpoint',
        () => api().delete(`/v1/webhook-endpoints/${endpoint.id}`),
        404,
        'webhook-endpoint-not-found',
      ],
      ['read the stock (admin only)', () => api().get(`/v1/inventory/${sku}`), 403, 'forbidden'],
      ['set the stock (admin only)', () => api().put(`/v1/inventory/${sku}`).send({ onHand: 0 }), 403, 'forbidden'],
      [
        'adjust the stock (admin only)',
        () => api().post(`/v1/inventory/${sku}/adjustments`).send({ delta: -1, reason: 'theft' }),
        403,
        'forbidden',
      ],
      ['read the stock movements (admin only)', () => api().get(`/v1/inventory/${sku}/movements`), 403, 'forbidden'],
    ];
    for (const [what, call, status, slug] of attempts) {
      const response = await call().set('Authorization', bob.bearer);
      expect({ what, status: response.status, type: response.body?.type }).toEqual({
        what,
        status,
        type: problem(slug),
      });
      expect(response.headers['content-type']).toBe(PROBLEM);
    }
    // B's own lists do not show A's order or endpoint.
    expect((await api().get('/v1/orders').set('Authorization', bob.bearer).expect(200)).body.items).toEqual([]);
    expect((await api().get('/v1/webhook-endpoints').set('Authorization', bob.bearer).expect(200)).body.items).toEqual(
      [],
    );

    // Nothing of A's changed: the charge still waits for A (the sandbox changes it in the request itself).
    expect(await orderOf(alice, order.id)).toEqual(before.order);
    expect((await api().get(`/v1/payments/${payment.id}`).set('Authorization', alice.bearer).expect(200)).body).toEqual(
      before.payment,
    );
    expect(await sandboxCharge(payment.id)).toEqual(before.charges);
    expect(
      (await api().get('/v1/webhook-endpoints').set('Authorization', alice.bearer).expect(200)).body.items.map(
        (e: { id: string }) => e.id,
      ),
    ).toEqual([endpoint.id]);
    expect(
      (
        await api()
          .get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`)
          .set('Authorization', alice.bearer)
          .expect(200)
      ).body.items,
    ).toEqual(deliveries.items);
    expect((await api().get(`/v1/inventory/${sku}`).set('Authorization', admin).expect(200)).body).toMatchObject({
      onHand: 100,
      reserved: 1,
    });

    // A completes her own 3-D Secure step: the route works for its owner.
    const authenticated = await api()
      .post(`/v1/payments/sandbox/charges/${payment.providerChargeId}/authenticate`)
      .set('Authorization', alice.bearer)
      .send({})
      .expect(200);
    expect(authenticated.body).toMatchObject({
      id: payment.providerChargeId,
      reference: payment.id,
      status: 'succeeded',
    });
    await orderIn(alice, order.id, 'confirmed');
  });

  it("lets an admin complete any customer's 3-D Secure step; an unknown charge is 404 to everyone", async () => {
    const order = await place(alice);
    const payment = await paymentIn(alice, order.id, 'requires_action');
    await api()
      .post(`/v1/payments/sandbox/charges/${payment.providerChargeId}/authenticate`)
      .set('Authorization', admin)
      .send({ outcome: 'failed' })
      .expect(200);
    await orderIn(alice, order.id, 'cancelled');
    for (const who of [alice.bearer, admin]) {
      const unknown = await api()
        .post('/v1/payments/sandbox/charges/ch_doesnotexist/authenticate')
        .set('Authorization', who)
        .send({})
        .expect(404);
      expect(unknown.body.type).toBe(problem('sandbox-charge-not-found'));
    }
  });
});
