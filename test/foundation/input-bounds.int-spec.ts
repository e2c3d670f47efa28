import { randomUUID } from 'node:crypto';
import { stockedProduct } from '../support/stocked-product';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { redisQueues } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';
const VALIDATION = 'https://tessera.dev/problems/validation-error';
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Numbers and text a fuzzer sends that PostgreSQL would refuse (a bigint out of range, a
 * timestamp it cannot read, a text-search query nested too deep) are refused by the API
 * first, as 400 problem+json naming the field, never a 500. And whatever POST /v1/orders
 * accepts can be announced: OrderPlaced is published and consumed. The real modules.
 */
describe('input bounds: what PostgreSQL or a contract would refuse is a 400, never a 500', () => {
  const queues = redisQueues(uniqueId('bounds'));
  let db: TestDatabase;
  let app: AppProcess;
  let admin: string;
  let customer: string;
  let productId: string;
  let sku: string;
  const word = `zq${randomUUID().slice(0, 8)}`;

  const api = () => request(app.url);
  const refused = (response: request.Response, field: string) => {
    expect({
      status: response.status,
      contentType: response.headers['content-type'],
      type: response.body.type,
    }).toEqual({ status: 400, contentType: PROBLEM, type: VALIDATION });
    expect((response.body.errors as { field: string }[]).map((error) => error.field)).toContain(field);
  };

  beforeAll(async () => {
    db = await createTestDatabase('bounds');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...queues.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        RELAY_POLL_MS: '200',
      },
    });
    admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    customer = `Bearer ${(await sessionFor(app.url, freshEmail('bounds'))).accessToken}`;
    ({ productId, sku } = await stockedProduct(app.url, admin, {
      label: 'Bounds',
      name: `Brass ${word} lamp`,
      onHand: 1000,
    }));
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    await queues.cleanup();
  });

  describe('GET /v1/products', () => {
    it.each([
      ['maxPrice=1e23', 'maxPrice'],
      ['minPrice=1e23', 'minPrice'],
      ['maxPrice=9007199254740992', 'maxPrice'],
      ['maxPrice=99999999999999999999', 'maxPrice'],
      ['minPrice=-1', 'minPrice'],
      ['maxPrice=Infinity', 'maxPrice'],
      ['minPrice=1.5', 'minPrice'],
      ['q=%01lamp', 'q'],
    ])('400 for ?%s', async (query, field) => {
      refused(await api().get(`/v1/products?${query}`), field);
    });

    it('accepts the largest price bound', async () => {
      const page = await api().get('/v1/products?minPrice=0&maxPrice=9007199254740991').expect(200);
      expect((page.body.items as { id: string }[]).map((p) => p.id)).toContain(productId);
    });

    it('searches with any q: stacked negations are folded, not a 500', async () => {
      const found = async (q: string) => {
        const response = await api().get('/v1/products').query({ q });
        expect({ q, status: response.status }).toEqual({ q, status: 200 });
        return (response.body.items as { id: string }[]).some((p) => p.id === productId);
      };
      expect(await found(word)).toBe(true);
      // 40 negations are none, 41 are one: PostgreSQL itself refuses more than 32 levels.
      expect(await found(`${'-'.repeat(40)}${word}`)).toBe(true);
      expect(await found(`${'-'.repeat(41)}${word}`)).toBe(false);
      expect(await found(`brass ${'- '.repeat(60)}${word}`)).toBe(true);
      expect(await found(`${'-!-('.repeat(30)}${word}`)).toBe(true);
      expect(await found(`"${word} lamp" or nothing`)).toBe(true);
      expect(await found(`brass -${word}`)).toBe(false);
      for (const odd of ['"', '-', '!', '&|<->', ':*', "'", '\\', '(((', 'or or or', '\u202e😀']) await found(odd);
    });

    it('400 for a cursor this route never wrote (a time or id PostgreSQL would refuse)', async () => {
      const id = randomUUID();
      for (const [sort, cursor] of [
        ['newest', cursorOf(['newest', '1', id])],
        ['newest', cursorOf(['newest', '+275760-09-13T00:00:00.000Z', id])],
        ['newest', cursorOf(['newest', '2026-01-01T00:00:00.000Z', '-'.repeat(36)])],
        ['price_asc', cursorOf(['price_asc', 1e23, id])],
      ] as const) {
        refused(await api().get('/v1/products').query({ sort, cursor }), 'cursor');
      }
    });
  });

  it('400 for cursors of orders and users that PostgreSQL would refuse', async () => {
    for (const cursor of [cursorOf(['-271821-04-20T00:00:00.000Z', randomUUID()]), cursorOf(['1', randomUUID()])]) {
      refused(await api().get('/v1/orders').query({ cursor }).set('Authorization', customer), 'cursor');
    }
    for (const cursor of [
      cursorOf({ createdAt: '1', id: randomUUID() }),
      cursorOf({ createdAt: '2026-01-01T00:00:00.000Z', id: '-'.repeat(36) }),
    ]) {
      refused(await api().get('/v1/admin/users').query({ cursor }).set('Authorization', admin), 'cursor');
    }
  });

  it('400 for an inventory onHand or delta beyond its integer column', async () => {
    refused(
      await api()
        .put(`/v1/inventory/${sku}`)
        .set('Authorization', admin)
        .send({ onHand: 2 ** 40 }),
      'onHand',
    );
    refused(await api().put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: 1e23 }), 'onHand');
    refused(
      await api()
        .post(`/v1/inventory/${sku}/adjustments`)
        .set('Authorization', admin)
        .send({ delta: 2 ** 40, reason: 'fuzz' }),
      'delta',
    );
    refused(
      await api()
        .post(`/v1/inventory/${sku}/adjustments`)
        .set('Authorization', admin)
        .send({ delta: -(2 ** 40), reason: 'fuzz' }),
      'delta',
    );
    expect((await api().get(`/v1/inventory/${sku}`).set('Authorization', admin).expect(200)).body.onHand).toBe(1000);
  });

  describe('POST /v1/orders', () => {
    const place = (lines: unknown, paymentMethod: unknown) =>
      api()
        .post('/v1/orders')
        .set('Authorization', customer)
        .set('Idempotency-Key', randomUUID())
        .send({ lines, paymentMethod });

    beforeAll(async () => {
      // Until ordering's copy of the product exists, placing is refused (422); then 201.
      await eventually(
        () => place([{ productId, quantity: 1 }], 'pm_card_declined'),
        (r) => r.status === 201,
        { what: "ordering's copy of the product" },
      );
    });

    it.each([
      ['a quantity of 1e12', [{ productId, quantity: 1e12 }], 'pm_card_ok', 'lines.0.quantity'],
      ['a quantity of 2^53', [{ productId, quantity: 2 ** 53 }], 'pm_card_ok', 'lines.0.quantity'],
      ['a quantity of 1001', [{ productId, quantity: 1001 }], 'pm_card_ok', 'lines.0.quantity'],
      ['a paymentMethod one character too long', [{ productId, quantity: 1 }], 'p'.repeat(101), 'paymentMethod'],
      ['101 emoji as paymentMethod', [{ productId, quantity: 1 }], '😀'.repeat(101), 'paymentMethod'],
      ['an empty paymentMethod', [{ productId, quantity: 1 }], '', 'paymentMethod'],
      ['a paymentMethod with a newline', [{ productId, quantity: 1 }], 'pm\ncard', 'paymentMethod'],
      ['a numeric paymentMethod', [{ productId, quantity: 1 }], 42, 'paymentMethod'],
    ])('400 for %s', async (_, lines, paymentMethod, field) => {
      refused(await place(lines, paymentMethod), field);
    });

    it.each([
      ['the longest paymentMethod', 'p'.repeat(100)],
      ['100 emoji as paymentMethod', '😀'.repeat(100)],
      ['a paymentMethod with quotes, backslashes and format characters', ' "pm"\\ \u200b\u202e '],
    ])('%s: 201, and OrderPlaced is published and consumed', async (_, paymentMethod) => {
      const order = (await place([{ productId, quantity: 1 }], paymentMethod).expect(201)).body as { id: string };
      await eventually(
        () =>
          db.query<{ sent: boolean; payment_method: string }>(
            `SELECT sent_at IS NOT NULL AS sent, payload->>'paymentMethod' AS payment_method
               FROM ordering.outbox WHERE aggregate_id = $1 AND event_name = 'ordering.order-placed'`,
            [order.id],
          ),
        (rows) => rows.length === 1 && rows[0]!.sent && rows[0]!.payment_method === paymentMethod,
        { what: `OrderPlaced of ${order.id} sent` },
      );
      // Payments took it as the order's intent; the sandbox declines the unknown method, and the order is cancelled.
      await eventually(
        () => db.query(`SELECT payment_method FROM payments.order_intents WHERE order_id = $1`, [order.id]),
        (rows) => rows.length === 1 && rows[0]!.payment_method === paymentMethod,
        { what: `payments' intent of ${order.id}` },
      );
      await eventually(
        () => api().get(`/v1/orders/${order.id}`).set('Authorization', customer),
        (r) => r.status === 200 && (r.body as { status: string }).status === 'cancelled',
        { timeoutMs: 30_000, what: `order ${order.id} cancelled (payment_failed)` },
      );
    });
  });
});
