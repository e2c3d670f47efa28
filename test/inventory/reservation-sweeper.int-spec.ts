import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventEnvelope } from '../support/event-envelope';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { loseQueue, recovered, redisQueue } from '../support/lost-jobs';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/*
 * Redis loses the reservations' expiry jobs (a restart without persistence, a failover, an
 * eviction) while two replicas run: the reservations are released anyway, from PostgreSQL,
 * once each, by the replicas' sweepers. OrderPlaced events are put on inventory's inbox
 * queue as the relay would (no ordering module needed to hold stock).
 */
const EXPIRY_QUEUE = 'inventory.reservation-expiry';
const TTL_SECONDS = 5;

describe('inventory: reservations whose expiry job Redis lost are released by the sweeper', () => {
  const backend: QueueBackendUnderTest = queueBackends().find((b) => b.name === 'redis')!;
  const prefix = backend.env().QUEUE_PREFIX as string;
  let db: TestDatabase;
  let replicas: AppProcess[] = [];
  let inbox: Queue;
  let expiries: Queue;
  let bearer: string;

  beforeAll(async () => {
    db = await createTestDatabase('inv_sweep');
    const env = {
      DATABASE_URL: db.url,
      ...backend.env(),
      ADMIN_EMAILS: ADMIN_EMAIL,
      RESERVATION_TTL_SECONDS: String(TTL_SECONDS),
      SWEEP_INTERVAL_MS: '200',
    };
    // One first (it runs the migrations), then its replica.
    replicas = [await startApp({ entry: 'main', env })];
    replicas.push(await startApp({ entry: 'main', env }));
    bearer = `Bearer ${(await adminSession(replicas[0]!.url)).accessToken}`;
    inbox = inboxQueue(backend, 'inventory', db.url);
    expiries = redisQueue(prefix, EXPIRY_QUEUE);
  });
  afterAll(async () => {
    await inbox?.close();
    await expiries?.close();
    await Promise.all(replicas.map((app) => app.stop()));
    await backend.cleanup();
    await db?.drop();
  });

  const stock = async (sku: string) =>
    (await request(replicas[0]!.url).get(`/v1/inventory/${sku}`).set('Authorization', bearer).expect(200)).body;
  const eventsNamed = async (name: string, orderIds: string[]) =>
    db.query<{ aggregate_id: string; payload: { reason: string } }>(
      `SELECT aggregate_id, payload FROM inventory.outbox WHERE event_name = $1 AND aggregate_id = ANY($2)`,
      [name, orderIds],
    );

  it('releases every reservation past its expiry exactly once, and counts it', async () => {
    const [hot, side] = [`SWEEP-${randomUUID().slice(0, 8)}`, `SIDE-${randomUUID().slice(0, 8)}`];
    for (const sku of [hot, side]) {
      await request(replicas[0]!.url)
        .put(`/v1/inventory/${sku}`)
        .set('Authorization', bearer)
        .send({ onHand: 100 })
        .expect(200);
    }
    const orders = Array.from({ length: 40 }, (_, i) => ({
      orderId: randomUUID(),
      lines: i % 4 === 0 ? { [hot]: 2, [side]: 1 } : { [hot]: 1 },
    }));
    const money = { amount: 1000, currency: 'EUR' };
    await inbox.addBulk(
      orders.map(({ orderId, lines }) => {
        const event = eventEnvelope({
          name: 'ordering.order-placed',
          publisher: 'ordering',
          aggregateId: orderId,
          payload: {
            orderId,
            customerId: randomUUID(),
            lines: Object.entries(lines).map(([sku, quantity]) => ({
              productId: randomUUID(),
              sku,
              quantity,
              unitPrice: money,
            })),
            total: money,
            paymentMethod: 'pm_card_ok',
          },
        });
        return { name: `${event.name}@1`, data: event, opts: { jobId: `test_${event.id}`, removeOnComplete: true } };
      }),
    );
    const ids = orders.map((o) => o.orderId);
    await eventually(
      () => eventsNamed('inventory.stock-reserved', ids),
      (rows) => rows.length === orders.length,
      { what: 'every order reserved' },
    );
    const held = { [hot]: 0, [side]: 0 };
    for (const { lines } of orders) for (const [sku, q] of Object.entries(lines)) held[sku]! += q;
    expect(await stock(hot)).toMatchObject({ reserved: held[hot], available: 100 - held[hot]! });
    expect(await expiries.getDelayedCount()).toBe(orders.length);

    // Redis loses the queue before any reservation is due.
    expect(await loseQueue(prefix, EXPIRY_QUEUE)).toBeGreaterThan(0);
    expect(await expiries.getDelayedCount()).toBe(0);
    expect(await eventsNamed('inventory.stock-released', ids)).toEqual([]);

    // Past the deadline, the sweepers of both replicas release them, each once.
    const released = await eventually(
      () => eventsNamed('inventory.stock-released', ids),
      (rows) => rows.length >= orders.length,
      { timeoutMs: TTL_SECONDS * 1000 + 20_000, intervalMs: 250, what: 'every reservation released' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a few more sweeps: nothing more happens
    expect(await eventsNamed('inventory.stock-released', ids)).toHaveLength(orders.length);
    expect(new Set(released.map((r) => r.aggregate_id))).toEqual(new Set(ids));
    expect(released.every((r) => r.payload.reason === 'expired')).toBe(true);
    expect(await stock(hot)).toEqual({ sku: hot, onHand: 100, reserved: 0, available: 100 });
    expect(await stock(side)).toEqual({ sku: side, onHand: 100, reserved: 0, available: 100 });
    const statuses = await db.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM inventory.reservations WHERE order_id = ANY($1) GROUP BY status`,
      [ids],
    );
    expect(statuses).toEqual([{ status: 'released', n: String(orders.length) }]);

    // Counted by whichever replica released each: together, once per reservation.
    const counts = await Promise.all(replicas.map((app) => recovered(app.url, 'inventory', 'reservation_expiry')));
    expect(counts[0]! + counts[1]!).toBe(orders.length);
  }, 90_000);
});
