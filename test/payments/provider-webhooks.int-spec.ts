import { Queue } from 'bullmq';
import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { REDIS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const SECRET = 'whsec_provider_webhooks_test';

const sign = (body: string, t = Math.floor(Date.now() / 1000)) =>
  `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;

/**
 * The webhook route as a provider meets it, with no worker running (role `api` only): what is
 * queued stays in the queue, so the test sees which reports needed a job and which were
 * settled by the statement that recorded them.
 */
describe('payments: provider webhooks that report what the payment already shows', () => {
  let app: AppProcess;
  let db: TestDatabase;
  let queue: Queue;
  const backend: QueueBackendUnderTest = queueBackends().find((b) => b.name === 'redis')!;

  beforeAll(async () => {
    db = await createTestDatabase('payments_webhooks');
    app = await startApp({
      entry: 'main',
      args: ['--modules', 'identity,payments'],
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        APP_ROLES: 'api',
        PAYMENT_SANDBOX_WEBHOOK_SECRET: SECRET,
      },
    });
    const url = new URL(REDIS_URL);
    queue = new Queue('payments.provider-events', {
      prefix: backend.env().QUEUE_PREFIX as string,
      connection: { host: url.hostname, port: Number(url.port || 6379) },
    });
  });
  afterAll(async () => {
    await queue?.close();
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  async function paymentIn(status: string): Promise<string> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO payments.payments (id, order_id, customer_id, amount, currency, payment_method, provider, status,
                                      provider_charge_id, version, created_at, updated_at)
       VALUES ($1, gen_random_uuid(), gen_random_uuid(), 4200, 'EUR', 'pm_card_ok', 'sandbox', $2, 'ch_1', 3, now(), now())`,
      [id, status],
    );
    return id;
  }

  /** Posts a signed report; answers whether it was recorded as processed, and whether a job waits for it. */
  async function report(type: string, reference: string): Promise<{ processed: boolean; queued: boolean }> {
    const id = `evt_${randomUUID().replaceAll('-', '')}`;
    const body = JSON.stringify({
      id,
      type,
      created: Math.floor(Date.now() / 1000),
      data: { chargeId: 'ch_1', reference },
    });
    await request(app.url)
      .post('/v1/payments/webhooks/sandbox')
      .set('Content-Type', 'application/json')
      .set('Sandbox-Signature', sign(body))
      .send(body)
      .expect(200, { received: true, duplicate: false });
    const [row] = await db.query<{ processed_at: Date | null }>(
      `SELECT processed_at FROM payments.provider_events WHERE provider = 'sandbox' AND event_id = $1`,
      [id],
    );
    const job = await queue.getJob(`provider-event-sandbox-${Buffer.from(id).toString('base64url')}`);
    return { processed: row!.processed_at !== null, queued: job !== undefined };
  }

  it('records a report the payment can no longer be moved by as processed, without a job', async () => {
    expect(await report('charge.succeeded', await paymentIn('succeeded'))).toEqual({ processed: true, queued: false });
    expect(await report('charge.failed', await paymentIn('succeeded'))).toEqual({ processed: true, queued: false });
    expect(await report('charge.succeeded', await paymentIn('refunded'))).toEqual({ processed: true, queued: false });
    expect(await report('charge.refunded', await paymentIn('refunded'))).toEqual({ processed: true, queued: false });
    expect(await report('charge.failed', await paymentIn('failed'))).toEqual({ processed: true, queued: false });
  });

  it('queues a report that may still move its payment, or names none', async () => {
    expect(await report('charge.succeeded', await paymentIn('processing'))).toEqual({ processed: false, queued: true });
    expect(await report('charge.succeeded', await paymentIn('requires_action'))).toEqual({
      processed: false,
      queued: true,
    });
    // Cancelled, a late success still asks for a refund.
    expect(await report('charge.succeeded', await paymentIn('cancelled'))).toEqual({ processed: false, queued: true });
    expect(await report('charge.refunded', await paymentIn('refund_pending'))).toEqual({
      processed: false,
      queued: true,
    });
    expect(await report('charge.succeeded', randomUUID())).toEqual({ processed: false, queued: true });
    expect(await report('charge.succeeded', 'not-a-payment-id')).toEqual({ processed: false, queued: true });
  });

  it('leaves the payment as it was and counts what became of each report', async () => {
    const id = await paymentIn('succeeded');
    await report('charge.succeeded', id);
    const [payment] = await db.query<{ status: string; version: number }>(
      'SELECT status, version FROM payments.payments WHERE id = $1',
      [id],
    );
    expect(payment).toEqual({ status: 'succeeded', version: 3 });
    const metrics = (await request(app.url).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/payment_provider_webhooks_total\{provider="sandbox",result="settled-at-receipt"\} [1-9]/);
    expect(metrics).toMatch(/payment_provider_webhooks_total\{provider="sandbox",result="queued"\} [1-9]/);
  });
});
