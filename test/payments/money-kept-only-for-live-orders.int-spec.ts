import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { Client } from 'pg';
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
type EventName = typeof ORDER_PLACED;

const line = { productId: randomUUID(), sku: 'KEPT-1', quantity: 1, unitPrice: { amount: 900, currency: 'EUR' } };
const total = { amount: 900, currency: 'EUR' };
const placed = (orderId: string, customerId: string, paymentMethod: string) => ({
  orderId,
  customerId,
  lines: [line],
  total,
  paymentMethod,
});
const reserved = (orderId: string) => ({
  orderId,
  lines: [{ sku: line.sku, quantity: 1 }],
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
});
const cancelled = (orderId: string, customerId: string, reason: string, previousStatus: string) => ({
  orderId,
  customerId,
  reason,
  previousStatus,
  lines: [line],
  total,
});

type PaymentRow = {
  id: string;
  status: string;
  orderCancelled: boolean;
  failureReason: string | null;
};

/**
 * Money the provider took for an order that is not going to be fulfilled goes back, however the
 * cancellation and the provider's answers interleave. Payments runs alone; the events reach its
 * inbox queue as ordering and inventory would publish them. Each provider call may take 1 s, and
 * there is one call per payment, so a charge that outlives its call is the rule, not a rarity.
 */
describe('payments: a charge is kept only for an order that goes on', () => {
  const backend = queueBackends().find((b) => b.name === 'redis')!;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('pay_kept');
  });
  afterAll(async () => {
    await backend.cleanup();
    await db?.drop();
  });

  /** Payments alone, with these settings, and its inbox queue. */
  async function payments(env: Record<string, string> = {}): Promise<{ app: AppProcess; inbox: Queue }> {
    const app = await startApp({
      args: ['--modules', 'payments'],
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        RELAY_POLL_MS: '200',
        AUTH_JWKS_URL: UNUSED_JWKS_URL,
        PAYMENT_PROVIDER_TIMEOUT_MS: '1000',
        PAYMENT_CHARGE_MAX_ATTEMPTS: '1',
        ...env,
      },
    });
    return { app, inbox: inboxQueue(backend, 'payments', db.url) };
  }

  const send = (inbox: Queue, event: EventName, orderId: string, payload: object) => {
    const envelope = eventEnvelope({ ...event, aggregateId: orderId, payload });
    return inbox.add(`${event.name}@1`, envelope, { jobId: `test_${envelope.id}`, attempts: 1 });
  };
  async function deliver(inbox: Queue, event: EventName, orderId: string, payload: object): Promise<void> {
    const job = await send(inbox, event, orderId, payload);
    const state = await eventually(
      () => job.getState(),
      (s) => s === 'completed' || s === 'failed',
      { what: `delivery of ${event.name}` },
    );
    expect({ event: event.name, state }).toEqual({ event: event.name, state: 'completed' });
  }

  const paymentOf = async (orderId: string) =>
    (
      await db.query<PaymentRow>(
        `SELECT id, status, order_cancelled AS "orderCancelled", failure_reason AS "failureReason"
           FROM payments.payments WHERE order_id = $1`,
        [orderId],
      )
    )[0];
  /** The sandbox's charges of a payment and their refunds, once the payment is settled. */
  const atTheProvider = async (paymentId: string) => ({
    charges: (
      await db.query<{ status: string }>(`SELECT status FROM payments.sandbox_charges WHERE reference = $1`, [
        paymentId,
      ])
    ).map((charge) => charge.status),
    refunds: (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM payments.sandbox_refunds r
           JOIN payments.sandbox_charges c ON c.id = r.charge_id WHERE c.reference = $1`,
        [paymentId],
      )
    )[0]!.n,
  });
  const settled = (orderId: string, statuses: readonly string[], what: string) =>
    eventually(
      () => paymentOf(orderId),
      (p) => p !== undefined && statuses.includes(p.status),
      {
        what,
        timeoutMs: 20_000,
      },
    ) as Promise<PaymentRow>;

  describe('with a provider that answers in time', () => {
    let app: AppProcess;
    let inbox: Queue;
    beforeAll(async () => ({ app, inbox } = await payments()));
    afterAll(async () => {
      await inbox?.close();
      await app?.stop();
    });

    it('marks the payment of an order cancelled while its StockReserved is being handled', async () => {
      const [orderId, customerId] = [randomUUID(), randomUUID()];
      await deliver(inbox, ORDER_PLACED, orderId, placed(orderId, customerId, 'pm_card_ok'));

      // StockReserved's transaction is held at its insert of the payment (a SHARE lock blocks
      // inserts only), and the customer's cancellation is handled meanwhile.
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      let cancelling: Promise<void> | undefined;
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE payments.payments IN SHARE MODE');
        await send(inbox, STOCK_RESERVED, orderId, reserved(orderId));
        await eventually(
          () =>
            db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
                 AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO payments.payments%'`,
            ),
          (rows) => rows[0]!.n === 1,
          { what: "StockReserved's insert of the payment waiting" },
        );
        cancelling = deliver(
          inbox,
          ORDER_CANCELLED,
          orderId,
          cancelled(orderId, customerId, 'customer_cancelled', 'stock_reserved'),
        );
        // Time for the cancellation to be handled, were it not waiting for the payment.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await holder.query('COMMIT');
      } finally {
        await holder.end();
      }
      await cancelling;

      const payment = await settled(orderId, ['cancelled', 'refunded'], 'the payment given up or refunded');
      expect(payment.orderCancelled).toBe(true);
      const provider = await atTheProvider(payment.id);
      expect(provider).toEqual(
        provider.charges.length === 0 ? { charges: [], refunds: 0 } : { charges: ['refunded'], refunds: 1 },
      );
    });

    it('settles a charge the provider made although the last call to it timed out', async () => {
      const [orderId, customerId] = [randomUUID(), randomUUID()];
      // pm_card_slow: charged at once, answered after 3 s.
      await deliver(inbox, ORDER_PLACED, orderId, placed(orderId, customerId, 'pm_card_slow'));
      await deliver(inbox, STOCK_RESERVED, orderId, reserved(orderId));
      const payment = await settled(orderId, ['succeeded', 'failed'], 'the payment settled');
      expect({ status: payment.status, provider: await atTheProvider(payment.id) }).toEqual({
        status: 'succeeded',
        provider: { charges: ['succeeded'], refunds: 0 },
      });
    });
  });

  describe('with a provider that charges after the last call gave up and was looked up', () => {
    let app: AppProcess;
    let inbox: Queue;
    // Every sandbox call takes 1.5 s: the charge is made after its call timed out.
    beforeAll(async () => ({ app, inbox } = await payments({ PAYMENT_SANDBOX_LATENCY_MS: '1500' })));
    afterAll(async () => {
      await inbox?.close();
      await app?.stop();
    });

    it('refunds the charge when its success is reported after the payment failed', async () => {
      const [orderId, customerId] = [randomUUID(), randomUUID()];
      await deliver(inbox, ORDER_PLACED, orderId, placed(orderId, customerId, 'pm_card_ok'));
      await deliver(inbox, STOCK_RESERVED, orderId, reserved(orderId));
      const failed = await settled(orderId, ['failed', 'succeeded'], 'the payment failed');
      expect(failed).toMatchObject({ status: 'failed', failureReason: 'provider_unavailable' });
      // Ordering cancels the order payment_failed; the sandbox's charge.succeeded webhook arrives.
      await deliver(
        inbox,
        ORDER_CANCELLED,
        orderId,
        cancelled(orderId, customerId, 'payment_failed', 'stock_reserved'),
      );
      const refunded = await settled(orderId, ['refunded'], 'the late charge refunded');
      expect(await atTheProvider(refunded.id)).toEqual({ charges: ['refunded'], refunds: 1 });
    });
  });
});
