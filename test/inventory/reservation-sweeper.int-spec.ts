import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventEnvelope } from '../support/event-envelope';
import { eventually } from '../support/eventually';
import { stockedProduct } from '../support/stocked-product';
import { inboxQueue } from '../support/inbox-queue';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/*
 * Reservations expire by the sweeper alone: no job per reservation, each worker process reads
 * the held reservations past their expiry from PostgreSQL every RESERVATION_SWEEP_INTERVAL_MS
 * and releases them. Two replicas sweep at once here; the other sweepers' SWEEP_INTERVAL_MS is
 * ten minutes, so only the reservation sweeper can release anything. Expiry uses no job queue:
 * Redis carries only the events (both queue backends: reservations.int-spec.ts).
 */
const TTL_SECONDS = 4;
const SWEEP_MS = 1000;
/** What a loaded 2-core machine may add to one sweep interval: the timer, the sweep, the relay. */
const SLACK_MS = 3000;

describe('inventory: reservations past their expiry are released by the reservation sweeper', () => {
  const backend: QueueBackendUnderTest = queueBackends().find((b) => b.name === 'redis')!;
  let db: TestDatabase;
  let replicas: AppProcess[] = [];
  let inbox: Queue;
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase('inv_sweep');
    const env = {
      DATABASE_URL: db.url,
      ...backend.env(),
      ADMIN_EMAILS: ADMIN_EMAIL,
      RESERVATION_TTL_SECONDS: String(TTL_SECONDS),
      RESERVATION_SWEEP_INTERVAL_MS: String(SWEEP_MS),
      SWEEP_INTERVAL_MS: '600000',
      RELAY_POLL_MS: '200',
    };
    // One first (it runs the migrations), then its replica.
    replicas = [await startApp({ entry: 'main', env })];
    replicas.push(await startApp({ entry: 'main', env }));
    admin = `Bearer ${(await adminSession(replicas[0]!.url)).accessToken}`;
    inbox = inboxQueue(backend, 'inventory', db.url);
  });
  afterAll(async () => {
    await inbox?.close();
    await Promise.all(replicas.map((app) => app.stop()));
    await backend.cleanup();
    await db?.drop();
  });

  const api = () => request(replicas[0]!.url);
  const stock = async (sku: string) =>
    (await api().get(`/v1/inventory/${sku}`).set('Authorization', admin).expect(200)).body;
  const eventsNamed = async (name: string, orderIds: string[]) =>
    db.query<{ aggregate_id: string; payload: { reason: string } }>(
      `SELECT aggregate_id, payload FROM inventory.outbox WHERE event_name = $1 AND aggregate_id = ANY($2)`,
      [name, orderIds],
    );
  /** Per reservation, how long after its expiry it was released (database clock), in ms. */
  const releaseLags = async (orderIds: string[]) =>
    (
      await db.query<{ lag: number }>(
        `SELECT EXTRACT(EPOCH FROM (updated_at - expires_at)) * 1000 AS lag FROM inventory.reservations
          WHERE order_id = ANY($1) AND status = 'released'`,
        [orderIds],
      )
    ).map((row) => Number(row.lag));
  const expiredCounts = async () =>
    Promise.all(
      replicas.map(async (app) => {
        const text = (await request(app.url).get('/metrics').expect(200)).text;
        expect(text).not.toContain('inventory.reservation-expiry'); // expiry has no queue: the sweeper releases
        const line = text.split('\n').find((l) => l.startsWith('inventory_reservations_expired_total '));
        return Number(line?.split(' ').pop() ?? NaN);
      }),
    );

  it('releases a burst of expired reservations exactly once, two replicas sweeping, in bounded batches', async () => {
    const [hot, side] = [`SWEEP-${randomUUID().slice(0, 8)}`, `SIDE-${randomUUID().slice(0, 8)}`];
    for (const sku of [hot, side]) {
      await api().put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: 1000 }).expect(200);
    }
    // More than two batches of the sweep (100 each), so a sweep reads batches until one comes back short.
    const orders = Array.from({ length: 260 }, (_, i) => ({
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
      { timeoutMs: 30_000, what: 'every order reserved' },
    );
    // All due at one instant: more than a batch for the first sweep after it.
    await db.query(
      `UPDATE inventory.reservations SET expires_at = now() + interval '1 second' WHERE order_id = ANY($1) AND status = 'reserved'`,
      [ids],
    );

    // Past the deadline, the sweepers of both replicas release them, each once.
    const released = await eventually(
      () => eventsNamed('inventory.stock-released', ids),
      (rows) => rows.length >= orders.length,
      { timeoutMs: TTL_SECONDS * 1000 + 30_000, intervalMs: 250, what: 'every reservation released' },
    );
    await new Promise((resolve) => setTimeout(resolve, 2 * SWEEP_MS)); // more sweeps: nothing more happens
    expect(await eventsNamed('inventory.stock-released', ids)).toHaveLength(orders.length);
    expect(new Set(released.map((r) => r.aggregate_id))).toEqual(new Set(ids));
    expect(released.every((r) => r.payload.reason === 'expired')).toBe(true);
    expect(await stock(hot)).toEqual({ sku: hot, onHand: 1000, reserved: 0, available: 1000 });
    expect(await stock(side)).toEqual({ sku: side, onHand: 1000, reserved: 0, available: 1000 });
    const statuses = await db.query<{ status: string; n: string }>(
      `SELECT status, count(*) AS n FROM inventory.reservations WHERE order_id = ANY($1) GROUP BY status`,
      [ids],
    );
    expect(statuses).toEqual([{ status: 'released', n: String(orders.length) }]);
    // None before its expiry; the whole burst within about one interval of it.
    const lags = await releaseLags(ids);
    console.log(`burst of ${orders.length}: released ${Math.min(...lags)}-${Math.max(...lags)} ms after expiry`);
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lags)).toBeLessThan(SWEEP_MS + SLACK_MS);

    // Counted by whichever replica released each: together, once per reservation.
    const counts = await expiredCounts();
    expect(counts[0]! + counts[1]!).toBe(orders.length);
  }, 120_000);

  it("cancels an unpaid order within about one sweep interval of its reservation's expiry", async () => {
    const buyer = `Bearer ${(await sessionFor(replicas[0]!.url, freshEmail('expiry'))).accessToken}`;
    const { productId, sku } = await stockedProduct(replicas[0]!.url, admin, {
      label: 'Expiry',
      onHand: 5,
      amount: 900,
    });
    const before = await expiredCounts();

    // 3-D Secure that the customer never completes: the order waits in stock_reserved, unpaid.
    const placed = await eventually(
      () =>
        api()
          .post('/v1/orders')
          .set('Authorization', buyer)
          .set('Idempotency-Key', randomUUID())
          .send({ lines: [{ productId, quantity: 2 }], paymentMethod: 'pm_card_3ds' }),
      (r) => r.status === 201,
      { what: "an order, once ordering's copy of the product has it" },
    );
    const orderId = placed.body.id as string;
    const orderOf = async () =>
      (await api().get(`/v1/orders/${orderId}`).set('Authorization', buyer).expect(200)).body as {
        status: string;
        cancelReason?: string;
      };
    await eventually(orderOf, (o) => o.status === 'stock_reserved', { what: 'the order reserved' });
    expect(await stock(sku)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });

    const cancelled = await eventually(orderOf, (o) => o.status === 'cancelled', {
      timeoutMs: TTL_SECONDS * 1000 + 15_000,
      intervalMs: 100,
      what: 'the order cancelled',
    });
    expect(cancelled.cancelReason).toBe('reservation_expired');
    const [timing] = await db.query<{ released: number; cancelled: number }>(
      `SELECT EXTRACT(EPOCH FROM (r.updated_at - r.expires_at)) * 1000 AS released,
              EXTRACT(EPOCH FROM (o.updated_at - r.expires_at)) * 1000 AS cancelled
         FROM inventory.reservations r JOIN ordering.orders o ON o.id = r.order_id
        WHERE r.order_id = $1 AND r.status = 'released'`,
      [orderId],
    );
    console.log(`one order: released ${timing!.released} ms, cancelled ${timing!.cancelled} ms after expiry`);
    expect(Number(timing!.released)).toBeGreaterThanOrEqual(0);
    expect(Number(timing!.cancelled)).toBeLessThan(SWEEP_MS + SLACK_MS);
    expect(await stock(sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    const after = await expiredCounts();
    expect(after[0]! + after[1]! - before[0]! - before[1]!).toBe(1);
  }, 60_000);
});
