import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { redisQueues } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = /^application\/problem\+json/;
const problem = (slug: string) => `https://tessera.dev/problems/${slug}`;

interface Movement {
  id: string;
  sku: string;
  kind: string;
  delta: number;
  onHandAfter: number;
  reason: string | null;
  actor: string | null;
  at: string;
}

describe('inventory: stock levels and their audit trail (admin API)', () => {
  const queues = redisQueues(uniqueId('inv'));
  let db: TestDatabase;
  let app: AppProcess;
  let bearer: string;
  let adminId: string;
  const newSku = () => `INV-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    db = await createTestDatabase('inventory');
    app = await startApp({
      entry: 'main',
      env: { DATABASE_URL: db.url, ...queues.env(), ADMIN_EMAILS: ADMIN_EMAIL },
    });
    bearer = `Bearer ${(await adminSession(app.url)).accessToken}`;
    adminId = (await request(app.url).get('/v1/me').set('Authorization', bearer).expect(200)).body.id;
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    await queues.cleanup();
  });

  const get = (sku: string) => request(app.url).get(`/v1/inventory/${sku}`).set('Authorization', bearer);
  const put = (sku: string, body: unknown) =>
    request(app.url)
      .put(`/v1/inventory/${sku}`)
      .set('Authorization', bearer)
      .send(body as object);
  const adjust = (sku: string, body: unknown) =>
    request(app.url)
      .post(`/v1/inventory/${sku}/adjustments`)
      .set('Authorization', bearer)
      .send(body as object);
  const movements = (sku: string, query = '') =>
    request(app.url).get(`/v1/inventory/${sku}/movements${query}`).set('Authorization', bearer);

  it('PUT creates the stock row, GET reads it, adjustments move it, and each change is in the audit trail', async () => {
    const sku = newSku();
    expect((await put(sku, { onHand: 10 }).expect(200)).body).toEqual({ sku, onHand: 10, reserved: 0, available: 10 });
    expect((await get(sku).expect(200)).body).toEqual({ sku, onHand: 10, reserved: 0, available: 10 });

    const added = await adjust(sku, { delta: 5, reason: 'delivery from the supplier' }).expect(200);
    expect(added.body).toEqual({ sku, onHand: 15, reserved: 0, available: 15 });
    await adjust(sku, { delta: -3, reason: 'three broken in the warehouse' }).expect(200);
    await put(sku, { onHand: 20 }).expect(200);
    expect((await get(sku).expect(200)).body).toEqual({ sku, onHand: 20, reserved: 0, available: 20 });

    const trail = (await movements(sku).expect(200)).body as { items: Movement[]; next: string | null };
    expect(trail.next).toBeNull();
    expect(
      trail.items.map(({ kind, delta, onHandAfter, reason, actor }) => ({ kind, delta, onHandAfter, reason, actor })),
    ).toEqual([
      { kind: 'set', delta: 8, onHandAfter: 20, reason: null, actor: adminId },
      { kind: 'adjustment', delta: -3, onHandAfter: 12, reason: 'three broken in the warehouse', actor: adminId },
      { kind: 'adjustment', delta: 5, onHandAfter: 15, reason: 'delivery from the supplier', actor: adminId },
      { kind: 'set', delta: 10, onHandAfter: 10, reason: null, actor: adminId },
    ]);
    for (const movement of trail.items) expect(Number.isNaN(Date.parse(movement.at))).toBe(false);
  });

  it('pages the audit trail newest first with a next cursor, each movement exactly once', async () => {
    const sku = newSku();
    await put(sku, { onHand: 100 }).expect(200);
    for (let i = 1; i <= 4; i++) await adjust(sku, { delta: -i, reason: `sale ${i}` }).expect(200);
    const seen: Movement[] = [];
    let query = '?limit=2';
    for (let page = 0; page < 5; page++) {
      const body = (await movements(sku, query).expect(200)).body as { items: Movement[]; next: string | null };
      seen.push(...body.items);
      if (!body.next) break;
      query = `?limit=2&cursor=${body.next}`;
    }
    expect(seen.map((m) => m.reason)).toEqual(['sale 4', 'sale 3', 'sale 2', 'sale 1', null]);
    expect(new Set(seen.map((m) => m.id)).size).toBe(5);
    const malformed = await movements(sku, '?cursor=bm90LWEtY3Vyc29y').expect(400);
    expect(malformed.body.type).toBe(problem('validation-error'));
  });

  it('refuses with 409 to put or adjust on hand below what is reserved, or below zero', async () => {
    const sku = newSku();
    await put(sku, { onHand: 10 }).expect(200);
    // Units held for an open order (what a reservation leaves behind).
    await db.query(`UPDATE inventory.stock SET reserved = 6 WHERE sku = $1`, [sku]);
    expect((await get(sku).expect(200)).body).toEqual({ sku, onHand: 10, reserved: 6, available: 4 });

    const below = await put(sku, { onHand: 5 }).expect(409);
    expect(below.headers['content-type']).toMatch(PROBLEM);
    expect(below.body).toMatchObject({ type: problem('below-reserved'), status: 409 });
    const adjustedBelow = await adjust(sku, { delta: -5, reason: 'miscount' }).expect(409);
    expect(adjustedBelow.body.type).toBe(problem('below-reserved'));
    // Exactly down to what is reserved is fine.
    expect((await adjust(sku, { delta: -4, reason: 'miscount' }).expect(200)).body).toMatchObject({
      onHand: 6,
      available: 0,
    });
    expect((await put(sku, { onHand: 6 }).expect(200)).body).toMatchObject({ onHand: 6, reserved: 6 });

    const empty = newSku();
    await put(empty, { onHand: 2 }).expect(200);
    expect((await adjust(empty, { delta: -3, reason: 'gone' }).expect(409)).body.type).toBe(problem('below-zero'));
    // Refused changes leave neither a trace in the stock nor in the audit trail.
    expect((await get(empty).expect(200)).body.onHand).toBe(2);
    expect((await movements(empty).expect(200)).body.items).toHaveLength(1);
  });

  it('answers 400 problem+json for bad input, naming the field', async () => {
    const sku = newSku();
    await put(sku, { onHand: 1 }).expect(200);
    const cases: [request.Test, string][] = [
      [put(sku, { onHand: -1 }), 'onHand'],
      [put(sku, { onHand: 1.5 }), 'onHand'],
      [put(sku, { onHand: '7' }), 'onHand'],
      [put(sku, {}), 'onHand'],
      [put(sku, { onHand: 1, reserved: 0 }), 'reserved'],
      [put('not a sku!', { onHand: 1 }), 'sku'],
      [put('X'.repeat(65), { onHand: 1 }), 'sku'],
      [adjust(sku, { delta: 0, reason: 'nothing' }), 'delta'],
      [adjust(sku, { delta: 2.5, reason: 'half' }), 'delta'],
      [adjust(sku, { delta: 1 }), 'reason'],
      [adjust(sku, { delta: 1, reason: '' }), 'reason'],
      [adjust(sku, { delta: 1, reason: '   ' }), 'reason'],
      [adjust(sku, { delta: 1, reason: 'r'.repeat(201) }), 'reason'],
      [adjust(sku, { delta: 1, reason: 'ok', actor: 'someone' }), 'actor'],
      [movements(sku, '?limit=0'), 'limit'],
    ];
    for (const [call, field] of cases) {
      const response = await call;
      expect({ status: response.status, type: response.headers['content-type'] }).toEqual({
        status: 400,
        type: expect.stringMatching(PROBLEM),
      });
      expect(response.body.type).toBe(problem('validation-error'));
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    await adjust(sku, { delta: 1, reason: 'r'.repeat(200) }).expect(200);
    expect((await get(sku).expect(200)).body.onHand).toBe(2);
  });

  it('answers 404 problem+json for a SKU it keeps no stock for', async () => {
    const unknown = newSku();
    for (const response of [
      await get(unknown),
      await adjust(unknown, { delta: 1, reason: 'found one' }),
      await movements(unknown),
    ]) {
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(PROBLEM);
      expect(response.body.type).toBe(problem('stock-not-found'));
    }
    // An adjustment does not create stock: only PUT (a count) or a new product does.
    await get(unknown).expect(404);
  });

  it('is for admins only: 401 without a token, 403 for a customer', async () => {
    const sku = newSku();
    await put(sku, { onHand: 3 }).expect(200);
    const customer = `Bearer ${(await sessionFor(app.url, freshEmail('customer'))).accessToken}`;
    const calls = [
      request(app.url).get(`/v1/inventory/${sku}`),
      request(app.url).put(`/v1/inventory/${sku}`).send({ onHand: 100 }),
      request(app.url).post(`/v1/inventory/${sku}/adjustments`).send({ delta: 100, reason: 'free stock' }),
      request(app.url).get(`/v1/inventory/${sku}/movements`),
    ];
    for (const call of calls) expect((await call).status).toBe(401);
    const asCustomer = [
      request(app.url).get(`/v1/inventory/${sku}`).set('Authorization', customer),
      request(app.url).put(`/v1/inventory/${sku}`).set('Authorization', customer).send({ onHand: 100 }),
      request(app.url)
        .post(`/v1/inventory/${sku}/adjustments`)
        .set('Authorization', customer)
        .send({ delta: 100, reason: 'free stock' }),
      request(app.url).get(`/v1/inventory/${sku}/movements`).set('Authorization', customer),
    ];
    for (const call of asCustomer) {
      const response = await call;
      expect(response.status).toBe(403);
      expect(response.headers['content-type']).toMatch(PROBLEM);
    }
    expect((await get(sku).expect(200)).body.onHand).toBe(3);
  });

  describe('products created in the catalog', () => {
    let categoryId: string;
    beforeAll(async () => {
      categoryId = (
        await request(app.url)
          .post('/v1/categories')
          .set('Authorization', bearer)
          .send({ name: 'Inventory', slug: `inventory-${randomUUID().slice(0, 8)}` })
          .expect(201)
      ).body.id;
    });
    const createProduct = (sku: string) =>
      request(app.url)
        .post('/v1/products')
        .set('Authorization', bearer)
        .send({ sku, name: 'Stocked lamp', description: '', categoryId, price: { amount: 1000, currency: 'EUR' } })
        .expect(201);
    const productEventsHandled = async () =>
      Number(
        (
          await db.query<{ count: string }>(
            `SELECT count(*) FROM inventory.inbox WHERE event_name = 'catalog.product-created@1'`,
          )
        )[0]?.count,
      );

    it('a new product gets a stock row at zero', async () => {
      const sku = newSku();
      await createProduct(sku);
      const stock = await eventually(
        () => get(sku),
        (response) => response.status === 200,
        { what: `stock row for ${sku}` },
      );
      expect(stock.body).toEqual({ sku, onHand: 0, reserved: 0, available: 0 });
      expect((await movements(sku).expect(200)).body.items).toEqual([]);
    });

    it('a product created for a SKU already counted in keeps its count', async () => {
      const sku = newSku();
      await put(sku, { onHand: 7 }).expect(200);
      const before = await productEventsHandled();
      await createProduct(sku);
      await eventually(productEventsHandled, (count) => count > before, { what: 'ProductCreated handled' });
      expect((await get(sku).expect(200)).body).toEqual({ sku, onHand: 7, reserved: 0, available: 7 });
    });

    it('products created in a burst each get one stock row, and counted SKUs keep their counts', async () => {
      const counted = newSku();
      await put(counted, { onHand: 4 }).expect(200);
      const skus = [counted, ...Array.from({ length: 24 }, () => newSku())];
      const before = await productEventsHandled();
      await Promise.all(skus.map((sku) => createProduct(sku)));
      await eventually(productEventsHandled, (count) => count >= before + skus.length, {
        what: 'the burst of ProductCreated handled',
      });
      const rows = await db.query<{ sku: string; on_hand: number; reserved: number }>(
        'SELECT sku, on_hand, reserved FROM inventory.stock WHERE sku = ANY($1::text[])',
        [skus],
      );
      expect(new Map(rows.map((row) => [row.sku, [row.on_hand, row.reserved]]))).toEqual(
        new Map(skus.map((sku) => [sku, [sku === counted ? 4 : 0, 0]])),
      );
    });
  });
});
