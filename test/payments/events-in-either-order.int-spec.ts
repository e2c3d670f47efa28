import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { startApp, type AppProcess } from '../support/app-process';
import { eventEnvelope } from '../support/event-envelope';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { queueBackends } from '../support/queue-backends';
import { UNUSED_JWKS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const ORDER_PLACED = { name: 'ordering.order-placed', publisher: 'ordering' };
const ORDER_CANCELLED = { name: 'ordering.order-cancelled', publisher: 'ordering' };
const STOCK_RESERVED = { name: 'inventory.stock-reserved', publisher: 'inventory' };

/**
 * An order's StockReserved and OrderPlaced travel separately and may reach payments in either
 * order. Delivered straight to payments' inbox queue, each with a single attempt: whichever comes
 * second starts the payment, and the first never fails for want of the other.
 */
describe('payments: an order placed and its stock reserved, heard in either order', () => {
  const backend = queueBackends().find((b) => b.name === 'redis')!;
  let db: TestDatabase;
  let app: AppProcess;
  let inbox: Queue;

  beforeAll(async () => {
    db = await createTestDatabase('pay_either');
    app = await startApp({
      args: ['--modules', 'payments'],
      env: { DATABASE_URL: db.url, ...backend.env(), RELAY_POLL_MS: '200', AUTH_JWKS_URL: UNUSED_JWKS_URL },
    });
    inbox = inboxQueue(backend, 'payments', db.url);
  });
  afterAll(async () => {
    await inbox?.close();
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  const line = { productId: randomUUID(), sku: 'EITHER-1', quantity: 1, unitPrice: { amount: 900, currency: 'EUR' } };
  const placed = (orderId: string, customerId: string) => ({
    orderId,
    customerId,
    lines: [line],
    total: { amount: 900, currency: 'EUR' },
    paymentMethod: 'pm_card_ok',
  });
  const reserved = (orderId: string) => ({
    orderId,
    lines: [{ sku: line.sku, quantity: 1 }],
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  const cancelled = (orderId: string, customerId: string) => ({
    orderId,
    customerId,
    reason: 'customer_cancelled',
    previousStatus: 'stock_reserved',
    lines: [line],
    total: { amount: 900, currency: 'EUR' },
  });

  /** Delivers one event with one attempt, and waits until it is done: it must not fail. */
  async function deliver(event: { name: string; publisher: string }, orderId: string, payload: object) {
    const envelope = eventEnvelope({ ...event, aggregateId: orderId, payload });
    const job = await inbox.add(`${event.name}@1`, envelope, { jobId: `test_${envelope.id}`, attempts: 1 });
    const state = await eventually(
      () => job.getState(),
      (s) => s === 'completed' || s === 'failed',
      { what: `delivery of ${event.name}` },
    );
    expect({ event: event.name, state, reason: (await inbox.getJob(job.id!))?.failedReason }).toEqual({
      event: event.name,
      state: 'completed',
      reason: undefined,
    });
  }

  const paymentsOf = (orderId: string) =>
    db.query<{ status: string; customerId: string; amount: string }>(
      `SELECT status, customer_id::text AS "customerId", amount::text FROM payments.payments WHERE order_id = $1`,
      [orderId],
    );

  it('starts the payment when OrderPlaced lands after StockReserved', async () => {
    const [orderId, customerId] = [randomUUID(), randomUUID()];
    await deliver(STOCK_RESERVED, orderId, reserved(orderId));
    expect(await paymentsOf(orderId)).toEqual([]);
    await deliver(ORDER_PLACED, orderId, placed(orderId, customerId));
    const [payment, ...others] = await eventually(
      () => paymentsOf(orderId),
      (rows) => rows[0]?.status === 'succeeded',
      { what: `the payment of ${orderId} charged` },
    );
    expect(others).toEqual([]);
    expect(payment).toEqual({ status: 'succeeded', customerId, amount: '900' });
  });

  it('starts the payment when StockReserved lands after OrderPlaced, once for a repeated event', async () => {
    const [orderId, customerId] = [randomUUID(), randomUUID()];
    await deliver(ORDER_PLACED, orderId, placed(orderId, customerId));
    await deliver(STOCK_RESERVED, orderId, reserved(orderId));
    await deliver(STOCK_RESERVED, orderId, reserved(orderId));
    const rows = await eventually(
      () => paymentsOf(orderId),
      (found) => found[0]?.status === 'succeeded',
      { what: `the payment of ${orderId} charged` },
    );
    expect(rows).toHaveLength(1);
  });

  it('starts no payment for an order cancelled between the two', async () => {
    const [orderId, customerId] = [randomUUID(), randomUUID()];
    await deliver(STOCK_RESERVED, orderId, reserved(orderId));
    await deliver(ORDER_CANCELLED, orderId, cancelled(orderId, customerId));
    await deliver(ORDER_PLACED, orderId, placed(orderId, customerId));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await paymentsOf(orderId)).toEqual([]);
  });

  it('starts exactly one payment when both arrive together, many orders at once', async () => {
    const orders = Array.from({ length: 40 }, () => [randomUUID(), randomUUID()] as const);
    // Interleaved in one queue, taken by concurrent transactions: every pairing of the two races.
    const jobs = orders.flatMap(([orderId, customerId], i) => {
      const events = [
        { event: ORDER_PLACED, payload: placed(orderId, customerId) },
        { event: STOCK_RESERVED, payload: reserved(orderId) },
      ];
      return (i % 2 === 0 ? events : events.reverse()).map(({ event, payload }) => {
        const envelope = eventEnvelope({ ...event, aggregateId: orderId, payload });
        return { name: `${event.name}@1`, data: envelope, opts: { jobId: `test_${envelope.id}`, attempts: 1 } };
      });
    });
    await inbox.addBulk(jobs);
    const ids = orders.map(([orderId]) => orderId);
    const count = () =>
      db.query<{ n: number; orders: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT order_id)::int AS orders FROM payments.payments WHERE order_id = ANY($1::uuid[])`,
        [ids],
      );
    const [counted] = await eventually(count, (rows) => rows[0]!.n >= orders.length, {
      what: 'a payment for every order',
      timeoutMs: 30_000,
    });
    expect(counted).toEqual({ n: orders.length, orders: orders.length });
    expect(await inbox.getFailedCount()).toBe(0);
  });
});
