import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { loseQueue, recovered, redisQueue } from '../support/lost-jobs';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/*
 * A charge whose outcome never came: its first call to the provider timed out (pm_card_slow
 * answers after 3 s, the timeout is 500 ms), its retry waits in the queue, and Redis loses
 * the queue. The provider's webhook, the other way an outcome arrives, is sent nowhere, so
 * only a new call can settle the payment: the sweeper schedules the charge again, with the
 * same idempotency key, and the provider answers the charge it already made.
 */
const CHARGE_QUEUE = 'payments.charges';

interface Payment {
  id: string;
  status: string;
  chargeAttempts: number;
  providerChargeId: string | null;
}

describe('payments: a charge whose job Redis lost is retried by the sweeper, with the same key', () => {
  const backend: QueueBackendUnderTest = queueBackends().find((b) => b.name === 'redis')!;
  const prefix = backend.env().QUEUE_PREFIX as string;
  let db: TestDatabase;
  let app: AppProcess;
  let charges: Queue;
  let admin: string;
  let buyer: string;
  let productId: string;

  beforeAll(async () => {
    db = await createTestDatabase('pay_sweep');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        RELAY_POLL_MS: '200',
        SWEEP_INTERVAL_MS: '250',
        PAYMENT_CHARGE_DEADLINE_SECONDS: '2',
        PAYMENT_PROVIDER_TIMEOUT_MS: '500',
        // Retries 4 to 8 s apart, then 8 to 16 s: time enough to lose the delayed one first.
        PAYMENT_RETRY_DELAY_MS: '8000',
        PAYMENT_SANDBOX_WEBHOOK_URL: 'http://127.0.0.1:9/v1/payments/webhooks/sandbox',
      },
    });
    charges = redisQueue(prefix, CHARGE_QUEUE);
    admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    buyer = `Bearer ${(await sessionFor(app.url, freshEmail('sweep'))).accessToken}`;
    const categoryId = (
      await request(app.url)
        .post('/v1/categories')
        .set('Authorization', admin)
        .send({ name: 'Sweeper', slug: `sweeper-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id as string;
    const sku = `PAYSWEEP-${randomUUID().slice(0, 8)}`;
    productId = (
      await request(app.url)
        .post('/v1/products')
        .set('Authorization', admin)
        .send({
          sku,
          name: sku,
          description: '',
          categoryId,
          price: { amount: 4200, currency: 'EUR' },
          status: 'active',
        })
        .expect(201)
    ).body.id as string;
    await request(app.url).put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: 10 }).expect(200);
  });
  afterAll(async () => {
    await charges?.close();
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  /** Places an order once ordering's copy of the product has it. */
  const place = async (paymentMethod: string): Promise<string> =>
    (
      await eventually(
        () =>
          request(app.url)
            .post('/v1/orders')
            .set('Authorization', buyer)
            .set('Idempotency-Key', randomUUID())
            .send({ lines: [{ productId, quantity: 1 }], paymentMethod }),
        (r) => r.status === 201,
        { what: `an order paid with ${paymentMethod}` },
      )
    ).body.id as string;
  const paymentOf = (orderId: string, accept: (p: Payment) => boolean, timeoutMs = 15_000) =>
    eventually(
      () => request(app.url).get(`/v1/orders/${orderId}/payment`).set('Authorization', buyer),
      (r) => r.status === 200 && accept(r.body as Payment),
      { timeoutMs, what: `payment of order ${orderId}` },
    ).then((r) => r.body as Payment);
  const orderOf = async (orderId: string) =>
    (await request(app.url).get(`/v1/orders/${orderId}`).set('Authorization', buyer).expect(200)).body as {
      status: string;
    };
  const sandbox = async (paymentId: string) =>
    (
      await request(app.url)
        .get('/v1/payments/sandbox/charges')
        .query({ reference: paymentId })
        .set('Authorization', admin)
        .expect(200)
    ).body as { items: { id: string; status: string }[]; requests: number };

  it('charges as soon as the payment is created: one call, one attempt, and its waiting job is removed', async () => {
    const orderId = await place('pm_card_ok');
    const paid = await paymentOf(orderId, (p) => p.status === 'succeeded');
    expect(paid.chargeAttempts).toBe(1);
    expect((await sandbox(paid.id)).requests).toBe(1);
    // The job that waited, delayed, behind the call (it would have run had this process died).
    await eventually(
      () => charges.getJob(`charge-${paid.id}`),
      (job) => job === undefined,
      { what: 'the charge job removed' },
    );
  }, 60_000);

  it('charges once: the second call, after the queue lost the retry, gets the charge the first one made', async () => {
    const orderId = await place('pm_card_slow');
    // (The job may run once before the transaction that created the payment has committed:
    // that attempt finds no payment and is retried, without calling the provider.)
    const waiting = await paymentOf(orderId, (p) => p.status === 'processing' && p.chargeAttempts === 1, 30_000);
    // The first call timed out; its retry is delayed in the queue.
    await eventually(
      async () => (await charges.getJob(`charge-${waiting.id}`))?.getState(),
      (state) => state === 'delayed',
      { what: 'the charge retry, delayed' },
    );
    expect((await sandbox(waiting.id)).requests).toBe(1);

    expect(await loseQueue(prefix, CHARGE_QUEUE)).toBeGreaterThan(0);

    const paid = await paymentOf(orderId, (p) => p.status === 'succeeded', 20_000);
    expect(paid.chargeAttempts).toBe(2);
    const provider = await sandbox(waiting.id);
    expect(provider.requests).toBe(2); // the same idempotency key, twice
    expect(provider.items).toHaveLength(1); // one charge
    expect(paid.providerChargeId).toBe(provider.items[0]!.id);
    await eventually(
      () => orderOf(orderId),
      (order) => order.status === 'confirmed',
      { what: `order ${orderId} confirmed` },
    );
    // Once, unless a sweep scheduled it while the keys were being deleted and it went with them.
    expect(await recovered(app.url, 'payments', 'charge')).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('ends the charge job of a payment never created (its transaction rolled back) without failing it', async () => {
    const paymentId = randomUUID();
    const job = await charges.add(
      'charge',
      { paymentId },
      { jobId: `charge-${paymentId}`, attempts: 2, backoff: { type: 'fixed', delay: 100 } },
    );
    const done = await eventually(
      () => charges.getJob(job.id!),
      (found) => found?.finishedOn !== undefined,
      { what: 'the charge job finished' },
    );
    // The first attempt waits for the transaction that might still commit; the last one gives up.
    expect({ state: await done!.getState(), result: done!.returnvalue, attempts: done!.attemptsMade }).toEqual({
      state: 'completed',
      result: 'never-created',
      attempts: 2,
    });
  }, 30_000);

  it('leaves a payment waiting for the customer (3-D Secure) alone', async () => {
    const orderId = await place('pm_card_3ds');
    const waiting = await paymentOf(orderId, (p) => p.status === 'requires_action', 30_000);
    await loseQueue(prefix, CHARGE_QUEUE);
    // Well past the deadline, with a sweep every 250 ms.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await paymentOf(orderId, () => true)).toMatchObject({ status: 'requires_action', chargeAttempts: 1 });
    expect((await sandbox(waiting.id)).requests).toBe(1);
    expect((await orderOf(orderId)).status).toBe('stock_reserved');
  }, 60_000);
});
