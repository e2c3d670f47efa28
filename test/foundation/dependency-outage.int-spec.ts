import request from 'supertest';
import { startApp } from '../support/app-process';
import { freePort } from '../support/free-port';
import { queueBackends } from '../support/queue-backends';
import { REDIS_URL } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('dependency outages', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase('outage')));
  afterAll(() => db.drop());

  it('database down at start: waits with a log line per attempt, live 200 / ready 503, ready once it is back', async () => {
    const proxy = new TcpProxy(await freePort(), { host: '127.0.0.1', port: 5432 });
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const app = await startApp({
      env: { DATABASE_URL: url.toString(), DATABASE_CONNECT_RETRY_MS: '200' },
      waitForReady: false,
    });
    try {
      await app.waitForOutput(/database not reachable \(attempt 2\)/);
      await request(app.url).get('/health/live').expect(200);
      await request(app.url).get('/health/ready').expect(503);
      await request(app.url).get('/health/startup').expect(503);
      await proxy.up();
      await app.waitForStatus('/health/ready', 200, 20_000);
      await request(app.url).get('/health/startup').expect(200);
    } finally {
      await app.stop();
      await proxy.down();
    }
  });

  it('Redis down after start: readiness 503 with a log line, requests that need no queue keep working', async () => {
    const proxy = new TcpProxy(await freePort(), { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    await proxy.up();
    const queues = queueBackends().find((backend) => backend.name === 'redis')!;
    const app = await startApp({
      env: { DATABASE_URL: db.url, ...queues.env(), REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    });
    try {
      await proxy.down();
      await app.waitForStatus('/health/ready', 503, 10_000);
      const ready = await request(app.url).get('/health/ready').expect(503);
      expect(ready.body.error.queues.status).toBe('down');
      await app.waitForOutput(/queue backend \(redis\) unreachable/);
      const created = await request(app.url).post('/v1/notes').send({ text: 'no queue needed' }).expect(201);
      await request(app.url).get(`/v1/notes/${created.body.id}`).expect(200);
      await proxy.up();
      await app.waitForStatus('/health/ready', 200, 15_000);
    } finally {
      await app.stop();
      await proxy.down();
      await queues.cleanup();
    }
  });
});
