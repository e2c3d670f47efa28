import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { orderEvent } from '../support/event-envelope';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { inboxQueue } from '../support/inbox-queue';
import { queueBackends } from '../support/queue-backends';
import { freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const TIMEOUT_MS = 600;

/*
 * An attempt is delivered when the whole answer, 2xx, came within WEBHOOK_TIMEOUT_MS: a
 * receiver that sends 2xx headers and then stalls, or closes the connection, has not answered.
 * One attempt per delivery.
 */
describe.each(queueBackends())('notifications: a webhook answer must complete in time ($name queues)', (backend) => {
  let db: TestDatabase;
  let app: AppProcess;
  let receiver: Server;
  let receiverPort: number;
  const sockets = new Set<Socket>();
  let inbox: Queue;
  let customer: { id: string; bearer: string };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/large') return res.writeHead(200).end('x'.repeat(256 * 1024));
        if (req.url === '/ok') return res.writeHead(200).end('ok');
        res.writeHead(200, { 'content-length': '100' }).write('accepted'); // 8 bytes of 100
        // The rest never comes: the receiver stalls, or closes the connection.
        if (req.url === '/closes-before-its-end') setTimeout(() => res.socket?.end(), 50);
      });
    });
    receiver.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    receiverPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));
    db = await createTestDatabase('hooktimeout');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        WEBHOOK_ALLOWED_TARGETS: `127.0.0.1:${receiverPort}`,
        WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
        WEBHOOK_MAX_ATTEMPTS: '1',
      },
    });
    inbox = inboxQueue(backend, 'notifications', db.url);
    const bearer = `Bearer ${(await sessionFor(app.url, freshEmail('timeout'))).accessToken}`;
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
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => receiver.close(resolve));
  });

  /** The delivery log entry of one order placed for an endpoint at `path` on the receiver. */
  const deliveredTo = async (path: string) => {
    const endpoint = (
      await request(app.url)
        .post('/v1/webhook-endpoints')
        .set('Authorization', customer.bearer)
        .send({ url: `http://127.0.0.1:${receiverPort}${path}`, eventTypes: ['order.placed'] })
        .expect(201)
    ).body as { id: string };
    const event = orderEvent('order-placed', randomUUID(), customer.id);
    await inbox.add(`${event.name}@1`, event, { jobId: `test_${event.id}`, removeOnComplete: true });
    const [entry] = await eventually(
      async () =>
        (
          await request(app.url)
            .get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`)
            .set('Authorization', customer.bearer)
            .expect(200)
        ).body.items as { status: string; attempts: number; lastStatusCode: number | null; lastError: string | null }[],
      (items) => items.length === 1 && items[0]!.status !== 'pending',
      { what: `the delivery to ${path} finished` },
    );
    const { status, attempts, lastStatusCode, lastError } = entry!;
    return { status, attempts, lastStatusCode, lastError };
  };

  it('2xx headers and then a body that never ends within the timeout is a failed attempt', async () => {
    expect(await deliveredTo('/stalls-after-headers')).toEqual({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 200,
      lastError: `answer not complete within ${TIMEOUT_MS} ms`,
    });
  });

  it('2xx headers and then a connection closed before the body ended is a failed attempt', async () => {
    expect(await deliveredTo('/closes-before-its-end')).toEqual({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 200,
      lastError: expect.stringMatching(/^answer interrupted/),
    });
  });

  it('a complete 2xx answer is delivered, and so is one longer than what is read of it', async () => {
    for (const path of ['/ok', '/large']) {
      expect({ path, ...(await deliveredTo(path)) }).toEqual({
        path,
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 200,
        lastError: null,
      });
    }
  });
});
