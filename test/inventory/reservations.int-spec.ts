import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp } from '../support/app-process';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase } from '../support/test-database';
import { eventEnvelope } from '../support/event-envelope';

/*
 * The order-driven paths, without the ordering module: ordering's events (libs/contracts)
 * are put on inventory's inbox queue as the relay would, and what inventory publishes is
 * read from its outbox.
 */

type Lines = Record<string, number>;
interface OutboxEvent {
  event_name: string;
  aggregate_version: string;
  payload: Record<string, unknown>;
}

const customerId = randomUUID();
const money = { amount: 1000, currency: 'EUR' };
const orderLines = (lines: Lines) =>
  Object.entries(lines).map(([sku, quantity]) => ({ productId: randomUUID(), sku, quantity, unitPrice: money }));

function orderEvent(name: 'order-placed' | 'order-cancelled' | 'order-confirmed', orderId: string, lines: Lines) {
  const base = { orderId, customerId, lines: orderLines(lines), total: money };
  const payload =
    name === 'order-placed'
      ? { ...base, paymentMethod: 'card' }
      : name === 'order-cancelled'
        ? { ...base, reason: 'customer_cancelled', previousStatus: 'stock_reserved' }
        : base;
  return eventEnvelope({ name: `ordering.${name}`, publisher: 'ordering', aggregateId: orderId, payload });
}

async function startInventory(label: string, backend: QueueBackendUnderTest, env: Record<string, string> = {}) {
  const db = await createTestDatabase(label);
  const app = await startApp({
    entry: 'main',
    env: { DATABASE_URL: db.url, ...backend.env(), ADMIN_EMAILS: ADMIN_EMAIL, ...env },
  });
  const bearer = `Bearer ${(await adminSession(app.url)).accessToken}`;
  const inbox = inboxQueue(backend, 'inventory', db.url);
  const deliver = async (...events: ReturnType<typeof orderEvent>[]) => {
    await inbox.addBulk(
      events.map((event) => ({
        name: `${event.name}@1`,
        data: event,
        opts: {
          jobId: `test_${event.id}`,
          attempts: 5,
          backoff: { type: 'fixed', delay: 100 },
          removeOnComplete: true,
        },
      })),
    );
  };
  const published = (orderId: string) =>
    db.query<OutboxEvent & Record<string, unknown>>(
      `SELECT event_name, aggregate_version, payload FROM inventory.outbox WHERE aggregate_id = $1 ORDER BY position`,
      [orderId],
    );
  const publishedOnce = (orderId: string, count = 1) =>
    eventually(
      () => published(orderId),
      (events) => events.length >= count,
      { what: `${count} event(s) for order ${orderId}` },
    );
  const stock = async (sku: string) =>
    (await request(app.url).get(`/v1/inventory/${sku}`).set('Authorization', bearer).expect(200)).body as {
      onHand: number;
      reserved: number;
      available: number;
    };
  const put = (sku: string, onHand: number) =>
    request(app.url).put(`/v1/inventory/${sku}`).set('Authorization', bearer).send({ onHand }).expect(200);
  const handled = async () =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM inventory.inbox`))[0]?.n ?? 0);
  const stop = async () => {
    await inbox.close();
    await app.stop();
    await backend.cleanup();
    await db.drop();
  };
  return { db, app, bearer, deliver, published, publishedOnce, stock, put, handled, stop };
}

const sku = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

const [redis] = queueBackends();

describe('inventory: reservations for orders (ordering events injected into its inbox)', () => {
  let inv: Awaited<ReturnType<typeof startInventory>>;
  beforeAll(async () => {
    inv = await startInventory('inv_res', redis!);
  });
  afterAll(async () => {
    await inv?.stop();
  });

  it('reserves all lines or none, and says which lines are short', async () => {
    const [a, b] = [sku('A'), sku('B')];
    await inv.put(a, 5);
    await inv.put(b, 1);
    const short = randomUUID();
    await inv.deliver(orderEvent('order-placed', short, { [a]: 2, [b]: 2 }));
    const [failed] = await inv.publishedOnce(short);
    expect(failed).toMatchObject({
      event_name: 'inventory.stock-reservation-failed',
      payload: { orderId: short, shortLines: [{ sku: b, requested: 2, available: 1 }] },
    });
    expect(await inv.stock(a)).toMatchObject({ reserved: 0, available: 5 });

    const fits = randomUUID();
    await inv.deliver(orderEvent('order-placed', fits, { [a]: 2, [b]: 1 }));
    const [reserved] = await inv.publishedOnce(fits);
    expect(reserved).toMatchObject({ event_name: 'inventory.stock-reserved', payload: { orderId: fits } });
    expect(reserved!.payload.lines).toEqual(
      [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
    );
    const expiresIn = Date.parse(reserved!.payload.expiresAt as string) - Date.now();
    expect(expiresIn).toBeGreaterThan(800_000); // RESERVATION_TTL_SECONDS defaults to 900
    expect(await inv.stock(a)).toEqual({ sku: a, onHand: 5, reserved: 2, available: 3 });
    expect(await inv.stock(b)).toEqual({ sku: b, onHand: 1, reserved: 1, available: 0 });
    // An unknown SKU counts as 0 available.
    const unknown = randomUUID();
    await inv.deliver(orderEvent('order-placed', unknown, { [a]: 1, [sku('NONE')]: 1 }));
    expect((await inv.publishedOnce(unknown))[0]!.event_name).toBe('inventory.stock-reservation-failed');
  });

  it('never oversells: 1,000 concurrent orders for 50 units reserve exactly 50', async () => {
    const hot = sku('HOT');
    await inv.put(hot, 50);
    const orders = Array.from({ length: 1000 }, () => randomUUID());
    const before = await inv.handled();
    await inv.deliver(...orders.map((orderId) => orderEvent('order-placed', orderId, { [hot]: 1 })));
    await eventually(inv.handled, (n) => n >= before + orders.length, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: '1,000 orders handled',
    });
    const outcomes = await inv.db.query<{ event_name: string; n: string }>(
      `SELECT event_name, count(*) AS n FROM inventory.outbox WHERE aggregate_id = ANY($1) GROUP BY event_name`,
      [orders],
    );
    expect(Object.fromEntries(outcomes.map((o) => [o.event_name, Number(o.n)]))).toEqual({
      'inventory.stock-reserved': 50,
      'inventory.stock-reservation-failed': 950,
    });
    expect(await inv.stock(hot)).toEqual({ sku: hot, onHand: 50, reserved: 50, available: 0 });
  }, 90_000);

  it('orders over shared SKUs in every order, placed and cancelled at once, never deadlock', async () => {
    // Batches of up to 64 events run two at a time; before StockLockOrder, two batches
    // locking the same SKUs in event order deadlocked (PostgreSQL breaks each after
    // deadlock_timeout, and the batch is retried event by event).
    const skus = Array.from({ length: 5 }, (_, i) => sku(`M${i}`));
    for (const s of skus) await inv.put(s, 10_000);
    const deadlocks = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // statistics land within a second
      const [row] = await inv.db.query<{ n: string }>(
        `SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`,
      );
      return Number(row!.n);
    };
    const deadlocksBefore = await deadlocks();
    const orders = Array.from({ length: 600 }, () => {
      const picked = [...skus].sort(() => Math.random() - 0.5).slice(0, 1 + Math.floor(Math.random() * 3));
      return {
        orderId: randomUUID(),
        lines: Object.fromEntries(picked.map((s) => [s, 1 + Math.floor(Math.random() * 3)])),
      };
    });
    const cancelled = orders.filter((_, i) => i % 6 === 0);
    const before = await inv.handled();
    await inv.deliver(
      ...orders.map((o) => orderEvent('order-placed', o.orderId, o.lines)),
      ...cancelled.map((o) => orderEvent('order-cancelled', o.orderId, o.lines)),
    );
    await eventually(inv.handled, (n) => n >= before + orders.length + cancelled.length, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every order and cancellation handled',
    });
    expect(await deadlocks()).toBe(deadlocksBefore);

    // What is reserved is exactly what the published reservations minus releases say.
    const events = await inv.db.query<{ event_name: string; payload: { lines: { sku: string; quantity: number }[] } }>(
      `SELECT event_name, payload FROM inventory.outbox WHERE aggregate_id = ANY($1)`,
      [orders.map((o) => o.orderId)],
    );
    const held = new Map(skus.map((s) => [s, 0]));
    for (const event of events) {
      const sign =
        event.event_name === 'inventory.stock-reserved' ? 1 : event.event_name === 'inventory.stock-released' ? -1 : 0;
      for (const line of sign === 0 ? [] : event.payload.lines)
        held.set(line.sku, held.get(line.sku)! + sign * line.quantity);
    }
    for (const s of skus) {
      const level = await inv.stock(s);
      expect(level).toEqual({ sku: s, onHand: 10_000, reserved: held.get(s), available: 10_000 - held.get(s)! });
    }
  }, 90_000);

  it('a cancelled order gives its units back, once', async () => {
    const s = sku('C');
    await inv.put(s, 3);
    const orderId = randomUUID();
    await inv.deliver(orderEvent('order-placed', orderId, { [s]: 2 }));
    await inv.publishedOnce(orderId);
    expect((await inv.stock(s)).reserved).toBe(2);
    // Cancelled twice (a re-published event has a new id): the second finds nothing held.
    const handledBefore = await inv.handled();
    await inv.deliver(orderEvent('order-cancelled', orderId, { [s]: 2 }));
    await inv.deliver(orderEvent('order-cancelled', orderId, { [s]: 2 }));
    await eventually(inv.handled, (n) => n >= handledBefore + 2, { what: 'both cancellations handled' });
    const events = await inv.published(orderId);
    expect(events[1]).toMatchObject({
      event_name: 'inventory.stock-released',
      aggregate_version: '2',
      payload: { orderId, reason: 'order_cancelled', lines: [{ sku: s, quantity: 2 }] },
    });
    expect(await inv.stock(s)).toEqual({ sku: s, onHand: 3, reserved: 0, available: 3 });
    expect(await inv.published(orderId)).toHaveLength(2);
  });

  it('a cancellation that overtakes its order leaves a tombstone: the late order reserves nothing', async () => {
    const s = sku('T');
    await inv.put(s, 3);
    const orderId = randomUUID();
    await inv.deliver(orderEvent('order-cancelled', orderId, { [s]: 1 }));
    await eventually(
      () => inv.db.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [orderId]),
      (rows) => rows.length === 1,
      { what: 'tombstone' },
    );
    const before = await inv.handled();
    await inv.deliver(orderEvent('order-placed', orderId, { [s]: 1 }));
    await eventually(inv.handled, (n) => n > before, { what: 'late OrderPlaced handled' });
    expect(await inv.db.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [orderId])).toEqual([
      { status: 'cancelled_before_placed' },
    ]);
    expect(await inv.published(orderId)).toEqual([]);
    expect(await inv.stock(s)).toMatchObject({ reserved: 0, available: 3 });
  });

  it('a burst decided together: each order in turn, each answer caused by its own order, a tombstone among them respected', async () => {
    const s = sku('BURST');
    await inv.put(s, 30);
    const orders = Array.from({ length: 200 }, () => randomUUID());
    const tombstoned = orders[50]!;
    await inv.deliver(orderEvent('order-cancelled', tombstoned, { [s]: 1 }));
    await eventually(
      () => inv.db.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [tombstoned]),
      (rows) => rows.length === 1,
      { what: 'tombstone' },
    );
    const placed = orders.map((orderId) => orderEvent('order-placed', orderId, { [s]: 1 }));
    const before = await inv.handled();
    await inv.deliver(...placed);
    await eventually(inv.handled, (n) => n >= before + orders.length, {
      timeoutMs: 30_000,
      what: '200 orders handled',
    });
    const answers = await inv.db.query<{ aggregate_id: string; event_name: string; causation_id: string }>(
      `SELECT aggregate_id, event_name, causation_id FROM inventory.outbox WHERE aggregate_id = ANY($1)`,
      [orders],
    );
    // The tombstoned order gets no answer; 30 of the other 199 are reserved.
    expect(answers).toHaveLength(199);
    expect(answers.filter((a) => a.event_name === 'inventory.stock-reserved')).toHaveLength(30);
    const causeOf = new Map(placed.map((event) => [event.aggregateId, event.id]));
    for (const answer of answers) expect(answer.causation_id).toBe(causeOf.get(answer.aggregate_id));
    expect(await inv.stock(s)).toEqual({ sku: s, onHand: 30, reserved: 30, available: 0 });
    expect(await inv.db.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [tombstoned])).toEqual([
      { status: 'cancelled_before_placed' },
    ]);
  }, 60_000);

  it('a confirmed order commits its units: on hand and reserved drop, the audit trail says why, once', async () => {
    const s = sku('OK');
    await inv.put(s, 10);
    const orderId = randomUUID();
    await inv.deliver(orderEvent('order-placed', orderId, { [s]: 4 }));
    await inv.publishedOnce(orderId);
    await inv.deliver(orderEvent('order-confirmed', orderId, { [s]: 4 }));
    const events = await inv.publishedOnce(orderId, 2);
    expect(events[1]).toMatchObject({
      event_name: 'inventory.stock-committed',
      payload: { orderId, lines: [{ sku: s, quantity: 4 }] },
    });
    expect(await inv.stock(s)).toEqual({ sku: s, onHand: 6, reserved: 0, available: 6 });
    // A re-published confirmation and a late cancellation change nothing.
    const before = await inv.handled();
    await inv.deliver(
      orderEvent('order-confirmed', orderId, { [s]: 4 }),
      orderEvent('order-cancelled', orderId, { [s]: 4 }),
    );
    await eventually(inv.handled, (n) => n >= before + 2, { what: 'redeliveries handled' });
    expect(await inv.stock(s)).toEqual({ sku: s, onHand: 6, reserved: 0, available: 6 });
    expect(await inv.published(orderId)).toHaveLength(2);
    const trail = (
      await request(inv.app.url).get(`/v1/inventory/${s}/movements`).set('Authorization', inv.bearer).expect(200)
    ).body.items;
    expect(trail[0]).toMatchObject({ kind: 'commit', delta: -4, onHandAfter: 6, actor: null });
    expect(trail[0].reason).toContain(orderId);
    expect(trail).toHaveLength(2);
  });

  it('confirmations committed together: each order its own movement, on hand as it stood after it, each event caused by its own confirmation', async () => {
    const a = sku('TOGETHER-A');
    const b = sku('TOGETHER-B');
    await inv.put(a, 40);
    await inv.put(b, 40);
    const orders = Array.from({ length: 12 }, (_, i) => ({
      orderId: randomUUID(),
      lines: i % 3 === 0 ? { [a]: 2, [b]: 1 } : { [a]: 1 },
    }));
    let before = await inv.handled();
    await inv.deliver(...orders.map(({ orderId, lines }) => orderEvent('order-placed', orderId, lines)));
    await eventually(inv.handled, (n) => n >= before + orders.length, { what: 'placements handled' });
    const confirmations = orders.map(({ orderId, lines }) => orderEvent('order-confirmed', orderId, lines));
    before = await inv.handled();
    // Every confirmation, and the first one again (a re-published event: a new id).
    await inv.deliver(...confirmations, orderEvent('order-confirmed', orders[0]!.orderId, orders[0]!.lines));
    await eventually(inv.handled, (n) => n >= before + orders.length + 1, {
      timeoutMs: 30_000,
      what: 'confirmations handled',
    });
    const unitsOf = (s: string) => orders.reduce((sum, { lines }) => sum + (lines[s] ?? 0), 0);
    expect(await inv.stock(a)).toEqual({ sku: a, onHand: 40 - unitsOf(a), reserved: 0, available: 40 - unitsOf(a) });
    expect(await inv.stock(b)).toEqual({ sku: b, onHand: 40 - unitsOf(b), reserved: 0, available: 40 - unitsOf(b) });
    for (const s of [a, b]) {
      const trail = (
        await request(inv.app.url).get(`/v1/inventory/${s}/movements`).set('Authorization', inv.bearer).expect(200)
      ).body.items as { kind: string; delta: number; onHandAfter: number; reason: string }[];
      const commits = trail.filter((m) => m.kind === 'commit').reverse(); // oldest first
      expect(commits).toHaveLength(orders.filter(({ lines }) => lines[s]).length);
      // Newest first in the trail, so oldest first here: each figure is the previous one less its own units.
      let onHand = 40;
      for (const commit of commits) {
        onHand += commit.delta;
        expect(commit.onHandAfter).toBe(onHand);
      }
      for (const { orderId, lines } of orders.filter(({ lines }) => lines[s]))
        expect(commits.filter((m) => m.reason.includes(orderId)).map((m) => m.delta)).toEqual([-lines[s]!]);
    }
    const committed = await inv.db.query<{ aggregate_id: string; causation_id: string }>(
      `SELECT aggregate_id, causation_id FROM inventory.outbox WHERE event_name = 'inventory.stock-committed' AND aggregate_id = ANY($1)`,
      [orders.map((o) => o.orderId)],
    );
    expect(new Map(committed.map((row) => [row.aggregate_id, row.causation_id]))).toEqual(
      new Map(confirmations.map((event) => [event.aggregateId, event.id])),
    );
    expect(committed).toHaveLength(orders.length);
  }, 60_000);
});

describe.each(queueBackends())(
  'inventory: reservations expire (RESERVATION_TTL_SECONDS=1, swept every 500 ms, $name queues)',
  (backend) => {
    let inv: Awaited<ReturnType<typeof startInventory>>;
    beforeAll(async () => {
      inv = await startInventory(`inv_exp_${backend.name}`, backend, {
        RESERVATION_TTL_SECONDS: '1',
        RESERVATION_SWEEP_INTERVAL_MS: '500',
      });
    });
    afterAll(async () => {
      await inv?.stop();
    });

    it('an unconfirmed reservation is released when it expires', async () => {
      const s = sku('EXP');
      await inv.put(s, 5);
      const orderId = randomUUID();
      await inv.deliver(orderEvent('order-placed', orderId, { [s]: 3 }));
      await inv.publishedOnce(orderId);
      const released = await inv.publishedOnce(orderId, 2);
      expect(released[1]).toMatchObject({
        event_name: 'inventory.stock-released',
        payload: { orderId, reason: 'expired', lines: [{ sku: s, quantity: 3 }] },
      });
      expect(await inv.stock(s)).toEqual({ sku: s, onHand: 5, reserved: 0, available: 5 });
    });

    it('a confirmation after expiry takes the units from what is available, or what is left of it', async () => {
      const s = sku('LATE');
      await inv.put(s, 5);
      const orderId = randomUUID();
      await inv.deliver(orderEvent('order-placed', orderId, { [s]: 3 }));
      await inv.publishedOnce(orderId, 2); // reserved, then released
      await inv.deliver(orderEvent('order-confirmed', orderId, { [s]: 3 }));
      const events = await inv.publishedOnce(orderId, 3);
      expect(events[2]).toMatchObject({
        event_name: 'inventory.stock-committed',
        payload: { orderId, lines: [{ sku: s, quantity: 3 }] },
      });
      expect(await inv.stock(s)).toEqual({ sku: s, onHand: 2, reserved: 0, available: 2 });

      // Someone else took the units meanwhile: what is left is committed, nothing goes below zero.
      const other = randomUUID();
      await inv.deliver(orderEvent('order-placed', other, { [s]: 2 }));
      await inv.publishedOnce(other, 2);
      await inv.put(s, 1);
      await inv.deliver(orderEvent('order-confirmed', other, { [s]: 2 }));
      const late = await inv.publishedOnce(other, 3);
      expect(late[2]).toMatchObject({
        event_name: 'inventory.stock-committed',
        payload: { lines: [{ sku: s, quantity: 1 }] },
      });
      expect(await inv.stock(s)).toEqual({ sku: s, onHand: 0, reserved: 0, available: 0 });
      expect(await inv.db.query(`SELECT status FROM inventory.reservations WHERE order_id = $1`, [other])).toEqual([
        { status: 'committed' },
      ]);
    });

    it('a reservation confirmed around its deadline is committed exactly once, whichever comes first', async () => {
      const s = sku('INTIME');
      await inv.put(s, 5);
      const orderId = randomUUID();
      await inv.deliver(orderEvent('order-placed', orderId, { [s]: 2 }));
      await inv.publishedOnce(orderId);
      await inv.deliver(orderEvent('order-confirmed', orderId, { [s]: 2 }));
      // The sweeper may release it before or after the confirmation; the row lock orders them.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const names = (await inv.published(orderId)).map((e) => e.event_name);
      expect(names[0]).toBe('inventory.stock-reserved');
      expect(names.filter((name) => name === 'inventory.stock-committed')).toHaveLength(1);
      expect(names[names.length - 1]).toBe('inventory.stock-committed');
      expect(await inv.stock(s)).toEqual({ sku: s, onHand: 3, reserved: 0, available: 3 });
    });

    it('a reservation is released only once past its deadline, by the database clock', async () => {
      const s = sku('EARLY');
      await inv.put(s, 5);
      const orderId = randomUUID();
      await inv.deliver(orderEvent('order-placed', orderId, { [s]: 1 }));
      await inv.publishedOnce(orderId);
      // The deadline moves later (as after a clock skew between app and database): the sweeper waits for it.
      const [{ deadline }] = (await inv.db.query<{ deadline: Date }>(
        `UPDATE inventory.reservations SET expires_at = now() + interval '2.5 seconds' WHERE order_id = $1 RETURNING expires_at AS deadline`,
        [orderId],
      )) as [{ deadline: Date }];
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await inv.stock(s)).reserved).toBe(1);
      const released = await eventually(
        () =>
          inv.db.query<{ occurred_at: Date }>(
            `SELECT occurred_at FROM inventory.outbox WHERE aggregate_id = $1 AND event_name = 'inventory.stock-released'`,
            [orderId],
          ),
        (rows) => rows.length === 1,
        { what: 'released after the deadline' },
      );
      expect(released[0]!.occurred_at.getTime()).toBeGreaterThanOrEqual(deadline.getTime());
      expect(await inv.stock(s)).toMatchObject({ reserved: 0, available: 5 });
    });
  },
);
