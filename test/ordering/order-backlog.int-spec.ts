import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { stockedProduct } from '../support/stocked-product';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { PROBLEM } from './ordering-harness';

const LIMIT = 3;

/**
 * Back-pressure (docs/decisions/0038): with inventory's inbox paused the saga holds every
 * order placed; beyond ORDER_BACKLOG_LIMIT a new order is refused with 503 and Retry-After,
 * and once the saga has carried the backlog through, orders are taken again.
 */
describe('ordering: back-pressure when the saga falls behind', () => {
  let app: AppProcess;
  let db: TestDatabase;
  let inventoryInbox: Queue;
  let customer: string;
  let productId: string;
  const backend: QueueBackendUnderTest = queueBackends().find((b) => b.name === 'redis')!;

  beforeAll(async () => {
    db = await createTestDatabase('order_backlog');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        RELAY_POLL_MS: '200',
        RATE_LIMIT_ENABLED: 'false',
        ORDER_BACKLOG_LIMIT: String(LIMIT),
      },
    });
    const admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    productId = (await stockedProduct(app.url, admin, { label: 'Backlog', onHand: 100 })).productId;
    await eventually(
      () => db.query('SELECT 1 FROM ordering.products WHERE product_id = $1', [productId]),
      (rows) => rows.length === 1,
      { what: "ordering's copy of the product" },
    );
    customer = `Bearer ${(await sessionFor(app.url, freshEmail('backlog'))).accessToken}`;
    inventoryInbox = inboxQueue(backend, 'inventory', db.url);
  }, 120_000);

  afterAll(async () => {
    await inventoryInbox?.close();
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  const place = (idempotencyKey = randomUUID()) =>
    request(app.url)
      .post('/v1/orders')
      .set('Authorization', customer)
      .set('Idempotency-Key', idempotencyKey)
      .send({ lines: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_ok' });

  const backlogMetrics = async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { orders: value('ordering_backlog_orders'), age: value('ordering_backlog_oldest_age_seconds') };
  };

  it('refuses orders beyond the limit with 503 and Retry-After, and takes them again once the saga drains', async () => {
    // Nothing reserves stock: every order placed stays `pending`, in the saga.
    await inventoryInbox.pause();
    const accepted: string[] = [];
    const firstKey = randomUUID();
    for (let i = 0; i < LIMIT; i++) {
      const placed = await place(i === 0 ? firstKey : undefined);
      expect(placed.status).toBe(201);
      accepted.push(placed.body.id as string);
    }

    const refused = await place();
    expect({ status: refused.status, contentType: refused.headers['content-type'] }).toEqual({
      status: 503,
      contentType: PROBLEM,
    });
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toMatchObject({
      type: 'https://tessera.dev/problems/order-backlog-full',
      status: 503,
      title: 'Too many orders in progress',
    });
    // A refusal is not recorded: the order was not placed.
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ordering.orders');
    expect(n).toBe(LIMIT);
    // The retry of an order already placed is answered as the first time, not refused.
    const retried = await place(firstKey);
    expect({ status: retried.status, replayed: retried.headers['idempotent-replayed'], id: retried.body.id }).toEqual({
      status: 201,
      replayed: 'true',
      id: accepted[0],
    });
    // Past the next reading too (BACKLOG_READ_EVERY_MS), refused for as long as the saga holds them.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await place()).status).toBe(503);

    const held = await eventually(backlogMetrics, (m) => m.orders === LIMIT && m.age > 1, {
      what: 'the backlog on /metrics',
    });
    expect(held.age).toBeLessThan(120);

    await inventoryInbox.resume();
    await eventually(
      () => db.query<{ status: string }>('SELECT status FROM ordering.orders WHERE id = ANY($1::uuid[])', [accepted]),
      (rows) => rows.length === LIMIT && rows.every((row) => row.status === 'confirmed'),
      { what: 'the saga to confirm the held orders', timeoutMs: 60_000, intervalMs: 250 },
    );
    const again = await eventually(place, (response) => response.status === 201, {
      what: 'an order taken once the saga has drained',
      timeoutMs: 10_000,
      intervalMs: 250,
    });
    expect(again.body.status).toBe('pending');
    await eventually(backlogMetrics, (m) => m.orders <= 1, { what: 'the drained backlog on /metrics' });
  }, 120_000);
});
