import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Queue } from 'bullmq';
import { Client } from 'pg';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { orderEvent } from '../support/event-envelope';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { deliveryQueue, inboxQueue } from '../support/inbox-queue';
import { queueBackends } from '../support/queue-backends';
import { freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/*
 * A delivery job may find no row: its endpoint was deleted with the delivery log, or the
 * transaction that recorded it rolled back (then the job is done, quietly), or that transaction
 * has not committed yet (then the job is retried until it has). The receiver answers 503.
 */
describe.each(queueBackends())('notifications: jobs of deliveries that vanished ($name queues)', (backend) => {
  let db: TestDatabase;
  let app: AppProcess;
  let receiver: Server;
  let receiverPort: number;
  let calls = 0;
  let inbox: Queue;
  let jobs: Queue;
  let customer: { id: string; bearer: string };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        res.writeHead(503).end();
      });
    });
    receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    db = await createTestDatabase('vanished');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        WEBHOOK_ALLOWED_TARGETS: `127.0.0.1:${receiverPort}`,
        WEBHOOK_RETRY_BASE_DELAY_MS: '2000',
      },
    });
    inbox = inboxQueue(backend, 'notifications', db.url);
    jobs = deliveryQueue(backend, db.url);
    const bearer = `Bearer ${(await sessionFor(app.url, freshEmail('vanished'))).accessToken}`;
    const me = (await request(app.url).get('/v1/me').set('Authorization', bearer).expect(200)).body as { id: string };
    customer = { id: me.id, bearer };
    await eventually(
      () => db.query(`SELECT 1 FROM notifications.customers WHERE user_id = $1`, [me.id]),
      (rows) => rows.length === 1,
      { what: 'the customer projection' },
    );
  });

  afterAll(async () => {
    await inbox?.close();
    await jobs?.close();
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const registerEndpoint = async () =>
    (
      await request(app.url)
        .post('/v1/webhook-endpoints')
        .set('Authorization', customer.bearer)
        .send({ url: `http://127.0.0.1:${receiverPort}/hook`, eventTypes: ['order.placed'] })
        .expect(201)
    ).body as { id: string };
  const deleteEndpoint = (id: string) =>
    request(app.url).delete(`/v1/webhook-endpoints/${id}`).set('Authorization', customer.bearer).expect(204);
  /** An order placed by the customer, put on notifications' inbox as the relay would. */
  const placeOrder = async () => {
    const event = orderEvent('order-placed', randomUUID(), customer.id);
    await inbox.add(`${event.name}@1`, event, { jobId: `test_${event.id}`, removeOnComplete: true });
    await eventually(
      () => db.query(`SELECT 1 FROM notifications.inbox WHERE event_id = $1`, [event.id]),
      (rows) => rows.length === 1,
      { what: `event ${event.id} handled` },
    );
  };
  const deliveryOf = async (endpointId: string) =>
    (
      await db.query<{ id: string; attempts: number }>(
        `SELECT id, attempts FROM notifications.webhook_deliveries WHERE endpoint_id = $1`,
        [endpointId],
      )
    )[0]!;
  /** Where the job ended: `unknown` once it completed (completed jobs are removed), or `failed`. */
  const settled = (jobId: string) =>
    eventually(
      () => jobs.getJobState(jobId),
      (state) => state === 'unknown' || state === 'completed' || state === 'failed',
      { what: `job ${jobId} finished`, timeoutMs: 30_000 },
    );

  it('a first attempt still queued when its endpoint is deleted completes without failing', async () => {
    const endpoint = await registerEndpoint();
    await jobs.pause();
    let jobId: string;
    try {
      await placeOrder();
      jobId = `whd-${(await deliveryOf(endpoint.id)).id}-1`;
      expect(['waiting', 'paused']).toContain(await jobs.getJobState(jobId));
      await deleteEndpoint(endpoint.id);
    } finally {
      await jobs.resume();
    }
    expect(await settled(jobId)).toBe('unknown');
  }, 60_000);

  it('a retry waiting for its time when its endpoint is deleted completes without failing', async () => {
    const endpoint = await registerEndpoint();
    await placeOrder();
    const delivery = await eventually(
      () => deliveryOf(endpoint.id),
      (row) => row.attempts === 1,
      { what: 'the first attempt failed (503)' },
    );
    const jobId = `whd-${delivery.id}-2`;
    expect(await jobs.getJobState(jobId)).toBe('delayed');
    await deleteEndpoint(endpoint.id);
    expect(await settled(jobId)).toBe('unknown');
  }, 60_000);

  /** A delivery recorded by a transaction of the test's, and its first job, as the app schedules it. */
  const recordInOpenTransaction = async (client: Client, endpointId: string) => {
    await client.query('BEGIN');
    const [row] = (
      await client.query<{ id: string; occurredAt: Date; insertedBy: string }>(
        `INSERT INTO notifications.webhook_deliveries
                (id, endpoint_id, event_id, event_type, sequence_key, occurred_at, body, next_attempt_at)
         VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'order.placed', gen_random_uuid(), now(), '{}', now())
         RETURNING id, occurred_at AS "occurredAt", pg_current_xact_id()::text AS "insertedBy"`,
        [endpointId],
      )
    ).rows;
    const jobId = `whd-${row!.id}-1`;
    await jobs.add(
      'deliver',
      { deliveryId: row!.id, occurredAt: row!.occurredAt.toISOString(), dispatch: 1, insertedBy: row!.insertedBy },
      { jobId, attempts: 6, backoff: { type: 'exponential', delay: 250, jitter: 0.3 }, removeOnComplete: true },
    );
    return { id: row!.id, jobId };
  };

  it('a job that runs before the transaction recording its delivery commits is retried until it has', async () => {
    const endpoint = await registerEndpoint();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const before = calls;
      const { id, jobId } = await recordInOpenTransaction(client, endpoint.id);
      await eventually(
        async () => (await jobs.getJob(jobId))?.attemptsMade ?? 0,
        (attempts) => attempts >= 2,
        { what: 'the job tried twice' },
      );
      await client.query('COMMIT');
      await eventually(
        () =>
          db.query<{ attempts: number }>(`SELECT attempts FROM notifications.webhook_deliveries WHERE id = $1`, [id]),
        (rows) => rows[0]?.attempts === 1,
        { what: 'the delivery attempted once committed' },
      );
      expect(calls).toBeGreaterThan(before);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('a job whose delivery was rolled back completes without failing', async () => {
    const endpoint = await registerEndpoint();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { jobId } = await recordInOpenTransaction(client, endpoint.id);
      await eventually(
        async () => (await jobs.getJob(jobId))?.attemptsMade ?? 0,
        (attempts) => attempts >= 1,
        { what: 'the job tried' },
      );
      await client.query('ROLLBACK');
      expect(await settled(jobId)).toBe('unknown');
    } finally {
      await client.end();
    }
  }, 60_000);

  it('has failed no delivery job', async () => {
    expect(await jobs.getFailedCount()).toBe(0);
  });
});
