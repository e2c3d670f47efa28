import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { eventually } from '../support/eventually';
import { sellableProduct as sellableProductIn } from './sellable-product';
import { adminToken, api, customerBearer, target } from './target';

const PROBLEM = 'application/problem+json; charset=utf-8';

interface Order {
  id: string;
  status: 'pending' | 'stock_reserved' | 'paid' | 'confirmed' | 'cancelled';
  cancelReason?: string;
  lines: { productId: string; quantity: number }[];
  total: { amount: number; currency: string };
}

interface Stock {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
}

describe(`orders: stock reservations and the order saga (${target.topology})`, () => {
  let admin: string;
  let categoryId: string;
  const unique = randomUUID().slice(0, 8);

  beforeAll(async () => {
    admin = `Bearer ${await adminToken()}`;
    categoryId = (
      await api()
        .post('/v1/categories')
        .set('Authorization', admin)
        .send({ name: 'Orders', slug: `orders-${unique}` })
        .expect(201)
    ).body.id;
  });

  const stockOf = async (sku: string): Promise<Stock> =>
    (await api().get(`/v1/inventory/${sku}`).set('Authorization', admin).expect(200)).body as Stock;

  /**
   * Orders are paid with the sandbox's `pm_card_3ds` unless told otherwise: its charge waits
   * for the customer to authenticate, so the order stays `stock_reserved` as long as a test needs.
   */
  const placeOrder = (
    bearer: string,
    lines: { productId: string; quantity: number }[],
    key = randomUUID(),
    paymentMethod = 'pm_card_3ds',
  ) => api().post('/v1/orders').set('Authorization', bearer).set('Idempotency-Key', key).send({ lines, paymentMethod });

  const orderOf = (bearer: string, id: string) => api().get(`/v1/orders/${id}`).set('Authorization', bearer);

  const settled = (bearer: string, id: string, accept: (order: Order) => boolean, timeoutMs = 30_000) =>
    eventually(
      () => orderOf(bearer, id).expect(200),
      (response) => accept(response.body as Order),
      { timeoutMs, what: `order ${id}` },
    ).then((response) => response.body as Order);

  interface Payment {
    id: string;
    status: string;
    providerChargeId: string | null;
    refundReason?: string;
  }

  /** The order's payment once it reached `status` (e.g. `requires_action`). */
  const paymentIn = (bearer: string, orderId: string, status: string) =>
    eventually(
      () => api().get(`/v1/orders/${orderId}/payment`).set('Authorization', bearer),
      (r) => r.status === 200 && (r.body as Payment).status === status,
      { what: `payment of order ${orderId} in ${status}` },
    ).then((r) => r.body as Payment);

  /** The customer completes 3-D Secure on the sandbox's page. */
  const authenticate = async (bearer: string, orderId: string) => {
    const payment = await paymentIn(bearer, orderId, 'requires_action');
    await api()
      .post(`/v1/payments/sandbox/charges/${payment.providerChargeId}/authenticate`)
      .set('Authorization', bearer)
      .send({})
      .expect(200);
    return payment;
  };

  const sellableProduct = (onHand: number, amount = 1500) =>
    sellableProductIn({ admin, categoryId, onHand, amount, label: 'Order' });

  it('flash sale: 1,000 buyers, 100 units: 100 reservations held at most, no unit sold twice', async () => {
    const product = await sellableProduct(100);
    const buyers = await Promise.all(Array.from({ length: 1000 }, () => customerBearer()));
    const responses = await Promise.all(
      buyers.map((bearer) => placeOrder(bearer, [{ productId: product.id, quantity: 1 }])),
    );
    // Every request is accepted (the failures, if any, are shown with their status and body).
    expect(responses.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`)).toEqual([]);

    // Read back 20 at a time: a thousand pollers at once would load the deployment more than the sale.
    const outcomes: Order[] = [];
    for (let start = 0; start < responses.length; start += 20) {
      outcomes.push(
        ...(await Promise.all(
          responses
            .slice(start, start + 20)
            .map((response, i) =>
              settled(buyers[start + i]!, (response.body as Order).id, (o) => o.status !== 'pending', 60_000),
            ),
        )),
      );
    }
    // An order cancelled as reservation_expired was reserved first: on a slow machine the sale
    // and this read-back can outlast the e2e reservation lifetime (40 s).
    const wasReserved = (o: Order) => o.status === 'stock_reserved' || o.cancelReason === 'reservation_expired';
    const reserved = outcomes.flatMap((o, i) => (wasReserved(o) ? [{ bearer: buyers[i]!, id: o.id }] : []));
    const refused = outcomes.filter((o) => o.status === 'cancelled' && o.cancelReason === 'out_of_stock');
    // A unit an expired reservation gave back may be reserved again by an order still waiting.
    const expired = outcomes.filter((o) => o.cancelReason === 'reservation_expired').length;
    expect(reserved.length).toBeGreaterThanOrEqual(100);
    expect(reserved.length).toBeLessThanOrEqual(100 + expired);
    expect(refused).toHaveLength(1000 - reserved.length);

    // Stock held = reservations still held, exactly; an expired one gave its unit back.
    const stillHeld = async () => {
      let held = 0;
      for (let start = 0; start < reserved.length; start += 20) {
        const orders = await Promise.all(
          reserved.slice(start, start + 20).map(async ({ bearer, id }) => (await orderOf(bearer, id).expect(200)).body),
        );
        held += orders.filter((o: Order) => o.status === 'stock_reserved').length;
      }
      return held;
    };
    const { held, stock } = await eventually(
      async () => {
        const before = await stillHeld();
        const stock = await stockOf(product.sku);
        return { held: before, stock, unchanged: before === (await stillHeld()) };
      },
      ({ held, stock, unchanged }) => unchanged && stock.reserved === held,
      { timeoutMs: 30_000, what: 'stock reserved equal to the reservations still held' },
    );
    expect(stock.onHand).toBe(100);
    expect(stock.available).toBeGreaterThanOrEqual(0);
    expect(stock.reserved + stock.available).toBe(stock.onHand);
    expect(stock).toMatchObject({ reserved: held, available: 100 - held });
  }, 150_000);

  it('idempotency: one key sent 20 times at once makes one order, and a later replay returns the identical body', async () => {
    const product = await sellableProduct(50);
    const buyer = await customerBearer();
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => placeOrder(buyer, [{ productId: product.id, quantity: 2 }], key)),
    );
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of responses) expect([201, 409]).toContain(r.status);
    expect(new Set(created.map((r) => (r.body as Order).id)).size).toBe(1);

    const first = created[0]!;
    const replay = await placeOrder(buyer, [{ productId: product.id, quantity: 2 }], key).expect(201);
    expect(replay.text).toBe(first.text);
    const mine = await eventually(
      () => api().get('/v1/orders').set('Authorization', buyer).expect(200),
      (r) => (r.body.items as Order[]).length > 0,
    );
    expect((mine.body.items as Order[]).map((o) => o.id)).toEqual([(first.body as Order).id]);
    await placeOrder(buyer, [{ productId: product.id, quantity: 3 }], key).expect(422);
    await api()
      .post('/v1/orders')
      .set('Authorization', buyer)
      .send({ lines: [{ productId: product.id, quantity: 1 }], paymentMethod: 'pm_card_ok' })
      .expect(400)
      .expect('Content-Type', PROBLEM);
  });

  it('an unconfirmed reservation expires and gives its stock back', async () => {
    const product = await sellableProduct(5);
    const buyer = await customerBearer();
    const order = (await placeOrder(buyer, [{ productId: product.id, quantity: 2 }]).expect(201)).body as Order;
    await settled(buyer, order.id, (o) => o.status !== 'pending');
    const held = await stockOf(product.sku);
    // Either still held, or (on a slow machine) already expired: both are consistent.
    expect(held.reserved + held.available).toBe(5);
    const expired = await settled(
      buyer,
      order.id,
      (o) => o.status === 'cancelled',
      (target.reservationTtlSeconds + 30) * 1000,
    );
    expect(expired.cancelReason).toBe('reservation_expired');
    await eventually(
      () => stockOf(product.sku),
      (s) => s.reserved === 0 && s.available === 5,
      { what: 'the released stock' },
    );
  }, 150_000);

  it('cancelling a reserved order releases its stock; a confirmed order commits it and cannot be cancelled', async () => {
    const product = await sellableProduct(10, 2500);
    const buyer = await customerBearer();
    const toCancel = (await placeOrder(buyer, [{ productId: product.id, quantity: 3 }]).expect(201)).body as Order;
    await settled(buyer, toCancel.id, (o) => o.status === 'stock_reserved');
    const cancelled = await api().post(`/v1/orders/${toCancel.id}/cancel`).set('Authorization', buyer).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'customer_cancelled' });
    await eventually(
      () => stockOf(product.sku),
      (s) => s.reserved === 0 && s.available === 10,
      { what: 'stock released by the cancellation' },
    );

    const toConfirm = (
      await placeOrder(buyer, [{ productId: product.id, quantity: 4 }], randomUUID(), 'pm_card_ok').expect(201)
    ).body as Order;
    expect(toConfirm.total).toEqual({ amount: 10_000, currency: 'EUR' });
    await settled(buyer, toConfirm.id, (o) => o.status === 'confirmed');
    await eventually(
      () => stockOf(product.sku),
      (s) => s.onHand === 6 && s.reserved === 0 && s.available === 6,
      { what: 'stock committed by the confirmation' },
    );
    const refused = await api().post(`/v1/orders/${toConfirm.id}/cancel`).set('Authorization', buyer).expect(409);
    expect(refused.headers['content-type']).toBe(PROBLEM);

    // Only its owner (or an admin) sees an order.
    await orderOf(await customerBearer(), toConfirm.id).expect(404);
    await orderOf(admin, toConfirm.id).expect(200);
  });

  it('a payment that fails cancels the order and releases its stock', async () => {
    const product = await sellableProduct(4);
    const buyer = await customerBearer();
    const order = (
      await placeOrder(buyer, [{ productId: product.id, quantity: 4 }], randomUUID(), 'pm_card_declined').expect(201)
    ).body as Order;
    const failed = await settled(buyer, order.id, (o) => o.status === 'cancelled');
    expect(failed.cancelReason).toBe('payment_failed');
    await eventually(
      () => stockOf(product.sku),
      (s) => s.reserved === 0 && s.available === 4,
    );
  });

  it('money taken after the order was cancelled is refunded, and the order stays cancelled', async () => {
    const product = await sellableProduct(10);
    const buyer = await customerBearer();
    const order = (await placeOrder(buyer, [{ productId: product.id, quantity: 2 }]).expect(201)).body as Order;
    const waiting = await paymentIn(buyer, order.id, 'requires_action');
    await api().post(`/v1/orders/${order.id}/cancel`).set('Authorization', buyer).expect(200);
    await paymentIn(buyer, order.id, 'cancelled');
    // The customer completes 3-D Secure anyway: the card is charged, and the charge goes back.
    await api()
      .post(`/v1/payments/sandbox/charges/${waiting.providerChargeId}/authenticate`)
      .set('Authorization', buyer)
      .send({})
      .expect(200);
    const refunded = await paymentIn(buyer, order.id, 'refunded');
    expect(refunded.refundReason).toBe('order_cancelled');
    expect(((await orderOf(buyer, order.id).expect(200)).body as Order).status).toBe('cancelled');
    await eventually(
      () => stockOf(product.sku),
      (s) => s.onHand === 10 && s.reserved === 0 && s.available === 10,
      { what: 'stock released once' },
    );

    // Authenticated in time, the same card confirms the order.
    const paid = (await placeOrder(buyer, [{ productId: product.id, quantity: 1 }]).expect(201)).body as Order;
    await authenticate(buyer, paid.id);
    await settled(buyer, paid.id, (o) => o.status === 'confirmed');
    await eventually(
      () => stockOf(product.sku),
      (s) => s.onHand === 9 && s.reserved === 0,
      { what: 'stock committed once' },
    );
  });

  it('refuses bad orders with problem+json and touches no stock', async () => {
    const product = await sellableProduct(20);
    const buyer = await customerBearer();
    const line = (quantity: number) => ({ productId: product.id, quantity });
    const expectProblem = async (response: Response, status: number) => {
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe(PROBLEM);
    };
    await expectProblem(await placeOrder(buyer, [line(0)]), 400);
    await expectProblem(await placeOrder(buyer, [line(-1)]), 400);
    await expectProblem(await placeOrder(buyer, [line(1), line(2)]), 400);
    await expectProblem(await placeOrder(buyer, []), 400);
    const thousandLines = Array.from({ length: 1000 }, () => ({ productId: randomUUID(), quantity: 1 }));
    await expectProblem(await placeOrder(buyer, thousandLines), 400);
    const unknown = await placeOrder(buyer, [{ productId: randomUUID(), quantity: 1 }]);
    await expectProblem(unknown, 422);

    await api().delete(`/v1/products/${product.id}`).set('Authorization', admin).expect(204);
    // Until ordering hears of the archive the probe is accepted, then refused for want of stock.
    const prober = await customerBearer();
    await eventually(
      () => placeOrder(prober, [line(21)]),
      (r) => r.status !== 201,
      { what: "ordering's projection of the archived product" },
    );
    await expectProblem(await placeOrder(buyer, [line(1)]), 422);
    const stock = await stockOf(product.sku);
    expect(stock).toEqual({ sku: product.sku, onHand: 20, reserved: 0, available: 20 });
    const mine = await api().get('/v1/orders').set('Authorization', buyer).expect(200);
    expect(mine.body.items).toEqual([]);
  });
});
