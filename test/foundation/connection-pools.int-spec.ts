import { Client } from 'pg';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { queueBackends } from '../support/queue-backends';
import { UNUSED_JWKS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';

/**
 * A budget of two, one for requests and one for event delivery, makes every wait visible: a
 * request that needs a connection someone else holds waits for the pool's limit (5 s) and is
 * told to come back, and event delivery that is stuck must not be that someone.
 */
describe('connection pools: requests and event delivery', () => {
  const backend = queueBackends().find((b) => b.name === 'redis')!;
  let db: TestDatabase;
  let app: AppProcess;
  let locker: Client;

  beforeAll(async () => {
    db = await createTestDatabase('pools');
    app = await startApp({
      args: ['--modules', 'notes,tally'],
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        DATABASE_POOL_SIZE: '2',
        DATABASE_MESSAGING_POOL_SIZE: '1',
        RELAY_POLL_MS: '100',
        AUTH_JWKS_URL: UNUSED_JWKS_URL,
      },
    });
    locker = new Client({ connectionString: db.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  /** Waits until a connection whose application name starts so is blocked behind the locker's lock. */
  const blockedOnLock = (applicationName: string) =>
    eventually(
      () =>
        db.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE application_name LIKE $1 || '%' AND wait_event_type = 'Lock'`,
          [applicationName],
        ),
      ([row]) => (row?.waiting ?? 0) > 0,
      { timeoutMs: 15_000, what: `a connection of ${applicationName} waiting on the lock` },
    );

  it('a stuck inbox holds its own pool, not the one requests use', async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE fixture_tally.inbox IN ACCESS EXCLUSIVE MODE');
    let noteId: string;
    try {
      noteId = (await request(app.url).post('/v1/notes').send({ text: 'held up' }).expect(201)).body.id;
      await blockedOnLock('tessera:events');
      // The only request connection is free while the inbox transaction waits on the events share's.
      const started = Date.now();
      await request(app.url).get(`/v1/tally/notes/${noteId}`).expect(404);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await locker.query('ROLLBACK');
    }
    await eventually(
      () => request(app.url).get(`/v1/tally/notes/${noteId}`),
      (res) => res.status === 200,
      { what: 'the copy once the inbox is free' },
    );
  });

  it('a request that gets no connection in time is a 503 with Retry-After, and the one holding it completes', async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE fixture_notes.notes IN ACCESS EXCLUSIVE MODE');
    let first: Promise<request.Response> | undefined;
    try {
      first = request(app.url)
        .post('/v1/notes')
        .send({ text: 'holds the connection' })
        .then((res) => res);
      await blockedOnLock('tessera:requests');
      const second = await request(app.url).post('/v1/notes').send({ text: 'waits for it' });
      expect(second.status).toBe(503);
      expect(second.headers['content-type']).toBe(PROBLEM);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.body).toMatchObject({
        type: 'https://tessera.dev/problems/database-unavailable',
        status: 503,
        instance: '/v1/notes',
      });
      expect(second.body.detail).not.toMatch(/timeout exceeded|pg|pool/i);
    } finally {
      await locker.query('ROLLBACK');
    }
    expect((await first).status).toBe(201);
    expect(await db.query(`SELECT text FROM fixture_notes.notes WHERE text = 'waits for it'`)).toHaveLength(0);
  });

  it('a budget of two under 100 concurrent requests: each completes or gets 503 after the bounded wait, and the process stays up', async () => {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE fixture_notes.notes IN ACCESS EXCLUSIVE MODE');
    let responses: request.Response[];
    const started = Date.now();
    try {
      const all = Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          request(app.url)
            .post('/v1/notes')
            .send({ text: `crowd ${i}` })
            .then((res) => ({ res, ms: Date.now() - started })),
        ),
      );
      await blockedOnLock('tessera:requests');
      // Held past the 5 s wait: everyone queued behind the one connection gives up first.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      await locker.query('ROLLBACK');
      const answered = await all;
      responses = answered.map((a) => a.res);
      // No request hangs: each is answered within the wait plus the time the lock was held.
      for (const { ms } of answered) expect(ms).toBeLessThan(15_000);
    } catch (error) {
      await locker.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(50);
    expect(statuses).toContain(201);
    for (const res of responses.filter((r) => r.status === 503)) {
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.type).toBe('https://tessera.dev/problems/database-unavailable');
    }
    // Exactly the answered writes exist; the refused ones wrote nothing.
    const created = statuses.filter((status) => status === 201).length;
    expect(await db.query(`SELECT count(*)::int AS n FROM fixture_notes.notes WHERE text LIKE 'crowd %'`)).toEqual([
      { n: created },
    ]);
    await request(app.url).get('/health/live').expect(200);
    await request(app.url).post('/v1/notes').send({ text: 'after the crowd' }).expect(201);
  }, 60_000);
});
