import { Redis } from 'ioredis';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { startDisposableRedis, type DisposableRedis } from '../support/disposable-services';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * A request that must queue a job while Redis cannot take it (full: `maxmemory` reached with
 * `noeviction`) is refused with 503 problem+json `queue-unavailable` and `Retry-After`, never a
 * 500, and the same request succeeds once Redis has room again.
 */
describe('a job Redis refuses to queue', () => {
  let redis: DisposableRedis;
  let admin: Redis;
  let db: TestDatabase;
  let app: AppProcess;

  beforeAll(async () => {
    redis = await startDisposableRedis();
    admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    db = await createTestDatabase('queue_refusals');
    app = await startApp({
      args: ['--roles', 'api'],
      env: { DATABASE_URL: db.url, REDIS_URL: redis.url, QUEUE_PREFIX: uniqueId('q') },
    });
  });
  afterAll(async () => {
    await app?.stop();
    admin?.disconnect();
    await redis?.stop();
    await db?.drop();
  });

  it('is answered 503 queue-unavailable while Redis is full, and accepted once it has room', async () => {
    const note = await request(app.url).post('/v1/notes').send({ text: 'to queue' }).expect(201);
    await admin.config('SET', 'maxmemory', '1');
    try {
      const refused = await request(app.url).post(`/v1/notes/${note.body.id}/jobs`);
      expect(refused.status).toBe(503);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.body).toMatchObject({ type: 'https://tessera.dev/problems/queue-unavailable', status: 503 });
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    await request(app.url).post(`/v1/notes/${note.body.id}/jobs`).expect(202);
    expect(app.output()).not.toMatch(/-> 500 /);
  });
});
