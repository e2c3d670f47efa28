import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { recovered } from '../support/lost-jobs';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/*
 * Every order has a deadline (ORDER_DEADLINE_SECONDS after it was placed, 4 s here). One still
 * waiting then is settled by ordering's sweeper: not paid, cancelled `timed_out` (inventory
 * releases its stock, payments drops its charge); paid, confirmed. The reservations here
 * would expire only after an hour: the order's deadline ends them first.
 */
const DEADLINE_SECONDS = 4;

interface Order {
  id: string;
  status: string;
  cancelReason?: string;
}

describe('ordering: orders past their deadline are settled by the sweeper', () => {
  const backend: QueueBackendUnderTest = queueBackends().find((b) => b.name === 'redis')!;
  let db: TestDatabase;
  let app: AppProcess;
  let admin: string;
  let buyer: { bearer: string; id: string };
  let product: { id: string; sku: string };

  beforeAll(async () => {
    db = await createTestDatabase('ord_deadline');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        RELAY_POLL_MS: '200',
        SWEEP_INTERVAL_MS: '250',
        ORDER_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
        RESERVATION_TTL_SECONDS: '3600',
      },
    });
    admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    const bearer = `Bearer ${(await sessionFor(app.url, freshEmail('deadline'))).accessToken}`;
    buyer = { bearer, id: (await request(app.url).get('/v1/me').set('Authorization', bearer).expect(200)).body.id };
    const categoryId = (
      await request(app.url)
        .post('/v1/categories')
        .set('Authorization', admin)
        .send({ name: 'Deadlines', slug: `deadlines-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id as string;
    const sku = `DEADLINE-${randomUUID().slice(0, 8)}`;
    const id = (
      await request(app.url)
        .post('/v1/products')
        .set('Authorization', admin)
        .send({
          sku,
          name: sku,
          description: '',
          categoryId,
          price: { amount: 900, currency: 'EUR' },
          status: 'active',
        })
        .expect(201)
    ).body.id as string;
    product = { id, sku };
    await request(app.url).put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: 5 }).expect(200);
  });
  afterAll(async () => {
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  const orderOf = async (orderId: string) =>
    (await request(app.url).get(`/v1/orders/${orderId}`).set('Authorization', buyer.bearer).expect(200)).body as Order;
  const settled = (orderId: string, accept: (o: Order) => boolean, timeoutMs = 20_000) =>
    eventually(() => orderOf(orderId), accept, { timeoutMs, intervalMs: 200, what: `order ${orderId}` });
  const stock = async () =>
    (await request(app.url).get(`/v1/inventory/${product.sku}`).set('Authorization', admin).expect(200)).body;
  const outboxOf = (orderId: string) =>
    db.query<{ event_name: string; payload: Record<string, unknown> }>(
      `SELECT event_name, payload FROM ordering.outbox WHERE aggregate_id = $1 ORDER BY position`,
      [orderId],
    );

  it('cancels a reserved order still unpaid past its deadline timed_out: its stock comes back, its charge is dropped', async () => {
    // 3-D Secure that the customer never completes: the order waits in stock_reserved.
    const placed = await eventually(
      () =>
        request(app.url)
          .post('/v1/orders')
          .set('Authorization', buyer.bearer)
          .set('Idempotency-Key', randomUUID())
          .send({ lines: [{ productId: product.id, quantity: 2 }], paymentMethod: 'pm_card_3ds' }),
      (r) => r.status === 201,
      { what: "an order, once ordering's copy of the product has it" },
    );
    const orderId = placed.body.id as string;
    const placedAt = Date.now();
    await settled(orderId, (o) => o.status === 'stock_reserved', 10_000);
    expect(await stock()).toMatchObject({ onHand: 5, reserved: 2, available: 3 });

    const cancelled = await settled(orderId, (o) => o.status === 'cancelled');
    expect(cancelled.cancelReason).toBe('timed_out');
    expect(Date.now() - placedAt).toBeGreaterThanOrEqual(DEADLINE_SECONDS * 1000 - 1000);
    expect((await outboxOf(orderId)).map((e) => e.event_name)).toEqual([
      'ordering.order-placed',
      'ordering.order-cancelled',
    ]);
    expect((await outboxOf(orderId))[1]!.payload).toMatchObject({
      reason: 'timed_out',
      previousStatus: 'stock_reserved',
    });
    await eventually(stock, (s) => s.reserved === 0, { what: 'the stock released' });
    expect(await stock()).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    await eventually(
      () => request(app.url).get(`/v1/orders/${orderId}/payment`).set('Authorization', buyer.bearer),
      (r) => r.status === 200 && r.body.status === 'cancelled',
      { what: 'the waiting charge dropped' },
    );
  }, 60_000);

  it('cancels a pending order whose OrderPlaced never arrived, so a late one reserves nothing; confirms a paid one', async () => {
    // Written straight to the table, as if their events and jobs had been lost.
    const line = {
      productId: product.id,
      sku: product.sku,
      name: product.sku,
      quantity: 1,
      unitPrice: { amount: 900, currency: 'EUR' },
    };
    const [pending, paid] = [randomUUID(), randomUUID()];
    for (const [id, status, version] of [
      [pending, 'pending', 1],
      [paid, 'paid', 3],
    ] as const) {
      await db.query(
        `INSERT INTO ordering.orders (id, customer_id, status, lines, total_amount, currency, payment_method, version,
                                      created_at, updated_at)
         VALUES ($1, $2, $3, $4, 900, 'EUR', 'pm_card_ok', $5, now() - interval '1 hour', now() - interval '1 hour')`,
        [id, buyer.id, status, JSON.stringify([line]), version],
      );
    }
    expect(await settled(pending, (o) => o.status === 'cancelled')).toMatchObject({ cancelReason: 'timed_out' });
    expect((await outboxOf(pending)).map((e) => e.event_name)).toEqual(['ordering.order-cancelled']);
    // Inventory heard the cancellation first: it keeps a tombstone, so the late OrderPlaced would reserve nothing.
    await eventually(
      () => db.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [pending]),
      (rows) => rows.length === 1 && rows[0]!.status === 'cancelled_before_placed',
      { what: "inventory's tombstone" },
    );

    expect(await settled(paid, (o) => o.status === 'confirmed')).not.toHaveProperty('cancelReason');
    expect((await outboxOf(paid)).map((e) => e.event_name)).toEqual(['ordering.order-confirmed']);

    // A settled order is left alone by later sweeps.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await outboxOf(pending)).length + (await outboxOf(paid)).length).toBe(2);
    expect(await recovered(app.url, 'ordering', 'timed_out')).toBe(2);
    expect(await recovered(app.url, 'ordering', 'confirmed')).toBe(1);
  }, 60_000);
});
