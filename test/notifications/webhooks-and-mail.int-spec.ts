import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { deliveryQueue, inboxQueue } from '../support/inbox-queue';
import { byKey, byKeyCondition } from '../../src/modules/notifications/infrastructure/delivery-key';
import { queueBackends } from '../support/queue-backends';
import { freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { orderEvent } from '../support/event-envelope';

/*
 * What needs settings the e2e deployments do not have: an endpoint disabled after a tiny
 * number of failures, and emails written as .eml files when no SMTP server is configured.
 * Ordering's events are put on notifications' inbox queue as the relay would.
 */

describe.each(queueBackends())('notifications: endpoint auto-disable and .eml outbox ($name queues)', (backend) => {
  let db: TestDatabase;
  let app: AppProcess;
  let receiver: Server;
  let receiverPort: number;
  let outbox: string;
  let calls = 0;
  let inbox: ReturnType<typeof inboxQueue>;
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
    outbox = mkdtempSync(join(tmpdir(), 'tessera-mail-'));
    db = await createTestDatabase('notif');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        WEBHOOK_ALLOWED_TARGETS: `127.0.0.1:${receiverPort}`,
        WEBHOOK_DISABLE_AFTER_FAILURES: '3',
        WEBHOOK_MAX_ATTEMPTS: '2',
        WEBHOOK_RETRY_BASE_DELAY_MS: '50',
        MAIL_OUTBOX_DIR: outbox,
        SMTP_HOST: '',
      },
    });
    inbox = inboxQueue(backend, 'notifications', db.url);
    const email = freshEmail('outbox');
    const session = await sessionFor(app.url, email);
    const bearer = `Bearer ${session.accessToken}`;
    const me = (await request(app.url).get('/v1/me').set('Authorization', bearer).expect(200)).body as { id: string };
    customer = { id: me.id, bearer };
    // identity's UserRegistered reaches the projection through the real outbox and relay.
    await eventually(
      () => db.query(`SELECT email FROM notifications.customers WHERE user_id = $1`, [me.id]),
      (rows) => rows.length === 1,
      { what: 'the customer projection' },
    );
  });

  afterAll(async () => {
    await inbox?.close();
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(outbox, { recursive: true, force: true });
  });

  const deliver = async (event: ReturnType<typeof orderEvent>) => {
    await inbox.add(`${event.name}@1`, event, { jobId: `test_${event.id}`, attempts: 3, removeOnComplete: true });
    await eventually(
      () => db.query(`SELECT 1 FROM notifications.inbox WHERE event_id = $1`, [event.id]),
      (rows) => rows.length === 1,
      { what: `event ${event.id} handled` },
    );
  };
  /** An endpoint of the customer's at the receiver (which answers every delivery 503). */
  const registerEndpoint = async (eventType: string) =>
    (
      await request(app.url)
        .post('/v1/webhook-endpoints')
        .set('Authorization', customer.bearer)
        .send({ url: `http://127.0.0.1:${receiverPort}/hook`, eventTypes: [eventType] })
        .expect(201)
    ).body as { id: string };
  const endpointOf = async (id: string) =>
    (
      (await request(app.url).get('/v1/webhook-endpoints').set('Authorization', customer.bearer).expect(200)).body
        .items as { id: string; status: string; consecutiveFailures: number }[]
    ).find((e) => e.id === id);
  const deliveries = async (id: string) =>
    (
      await request(app.url)
        .get(`/v1/webhook-endpoints/${id}/deliveries`)
        .set('Authorization', customer.bearer)
        .expect(200)
    ).body.items as { type: string; status: string; attempts: number; lastStatusCode: number | null }[];

  it('disables an endpoint after N failed attempts in a row; it gets no new deliveries until re-enabled', async () => {
    const endpoint = await registerEndpoint('order.placed');

    // Two orders: two deliveries of two attempts each (WEBHOOK_MAX_ATTEMPTS=2); the third failure disables.
    await deliver(orderEvent('order-placed', randomUUID(), customer.id));
    await deliver(orderEvent('order-placed', randomUUID(), customer.id));
    const disabled = await eventually(
      () => endpointOf(endpoint.id),
      (e) => e?.status === 'disabled',
      { what: 'the endpoint disabled' },
    );
    expect(disabled!.consecutiveFailures).toBeGreaterThanOrEqual(3);
    const log = await eventually(
      () => deliveries(endpoint.id),
      (items) => items.length === 2 && items.every((d) => d.status === 'failed'),
      { what: 'both deliveries failed for good' },
    );
    expect(log.map((d) => d.lastStatusCode)).toContain(503);
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(calls).toBeLessThanOrEqual(4);

    // Disabled: a new event creates no delivery.
    await deliver(orderEvent('order-placed', randomUUID(), customer.id));
    expect(await deliveries(endpoint.id)).toHaveLength(2);

    const enabled = await request(app.url)
      .post(`/v1/webhook-endpoints/${endpoint.id}/enable`)
      .set('Authorization', customer.bearer)
      .expect(200);
    expect(enabled.body).toMatchObject({ status: 'active', consecutiveFailures: 0, disabledAt: null });
    const before = calls;
    await deliver(orderEvent('order-placed', randomUUID(), customer.id));
    expect(await deliveries(endpoint.id)).toHaveLength(3);
    await eventually(
      async () => calls,
      (n) => n > before,
      { what: 'an attempt to the re-enabled endpoint' },
    );
  }, 90_000);

  it("reads and writes a delivery in its event day's partition, and still takes a job that lacks the day", async () => {
    const endpoint = await registerEndpoint('order.placed');
    const event = orderEvent('order-placed', randomUUID(), customer.id);
    // The queue paused, the delivery's first job waits where its data can be read: it names the day.
    const jobs = deliveryQueue(backend, db.url);
    try {
      await jobs.pause();
      await deliver(event);
      const [{ id }] = (await db.query<{ id: string }>(
        `SELECT id FROM notifications.webhook_deliveries WHERE endpoint_id = $1`,
        [endpoint.id],
      )) as [{ id: string }];
      const scheduled = await eventually(
        async () => (await jobs.getWaiting()).find((job) => job.data.deliveryId === id),
        (job) => job !== undefined,
        { what: 'the delivery job scheduled' },
      );
      expect(scheduled!.data).toEqual({
        deliveryId: id,
        occurredAt: new Date(event.occurredAt).toISOString(),
        dispatch: 1,
        insertedBy: expect.stringMatching(/^\d+$/),
      });
    } finally {
      await jobs.resume();
    }
    const [delivery] = await eventually(
      () =>
        db.query<{ id: string; occurredAt: Date; attempts: number }>(
          `SELECT id, occurred_at AS "occurredAt", attempts FROM notifications.webhook_deliveries
            WHERE endpoint_id = $1 AND status = 'failed'`,
          [endpoint.id],
        ),
      (rows) => rows.length === 1,
      { what: 'the delivery failed for good (the receiver answers 503)' },
    );
    expect(delivery!.attempts).toBe(2);

    // Planned as the store's statements are (unnamed, with their values): one partition, or every one.
    const partitionsRead = async (key: Parameters<typeof byKey>[0]) => {
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN UPDATE notifications.webhook_deliveries SET updated_at = now() WHERE ${byKeyCondition()}`,
        byKey(key),
      );
      return plan.filter((row) => /^\s*Update on webhook_deliveries_/.test(row['QUERY PLAN'])).length;
    };
    expect(await partitionsRead({ id: delivery!.id, occurredAt: event.occurredAt })).toBe(1);
    expect(await partitionsRead({ id: delivery!.id, occurredAt: delivery!.occurredAt })).toBe(1);
    expect(await partitionsRead({ id: delivery!.id })).toBeGreaterThan(1);

    // A job scheduled by an older release names the delivery alone: it is attempted all the same.
    const [{ dispatch }] = (await db.query<{ dispatch: number }>(
      `UPDATE notifications.webhook_deliveries SET status = 'pending', attempts = 0, dispatch = dispatch + 1
        WHERE id = $1 RETURNING dispatch`,
      [delivery!.id],
    )) as [{ dispatch: number }];
    try {
      await jobs.add('deliver', { deliveryId: delivery!.id, dispatch }, { jobId: `old-${delivery!.id}` });
    } finally {
      await jobs.close();
    }
    await eventually(
      () =>
        db.query<{ attempts: number }>(`SELECT attempts FROM notifications.webhook_deliveries WHERE id = $1`, [
          delivery!.id,
        ]),
      (rows) => (rows[0]?.attempts ?? 0) > 0,
      { what: 'the older job attempted' },
    );
  }, 90_000);

  it('writes the confirmation email as an .eml file when SMTP_HOST is unset; an unknown customer gets none', async () => {
    const unknown = orderEvent('order-confirmed', randomUUID(), randomUUID());
    await deliver(unknown);
    const orderId = randomUUID();
    const confirmed = orderEvent('order-confirmed', orderId, customer.id);
    await deliver(confirmed);
    const file = join(outbox, `${confirmed.id}.eml`);
    await eventually(
      async () => existsSync(file),
      (exists) => exists,
      { what: `${file}` },
    );
    const eml = readFileSync(file, 'utf8').replace(/=\r?\n/g, '');
    expect(eml).toContain(orderId);
    expect(eml).toMatch(/^Subject: .*confirmed/im);
    expect(eml).toContain('text/html');
    expect(eml).toContain('42.00 EUR');
    expect(readdirSync(outbox)).toEqual([`${confirmed.id}.eml`]);
  }, 60_000);
});
