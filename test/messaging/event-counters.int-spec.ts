import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { startDisposableRedis, type DisposableRedis } from '../support/disposable-services';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { redisQueues } from '../support/queue-backends';
import { uniqueId, UNUSED_JWKS_URL } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The sum of a counter's series whose labels include `labels` (e.g. `module="tally"`). */
async function counter(app: AppProcess, name: string, labels: string): Promise<number> {
  const text = (await request(app.url).get('/metrics')).text;
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** Writes a note's created event into the notes outbox and rings the relays, as the notes module would. */
async function publishNote(db: TestDatabase, text: string): Promise<string> {
  const noteId = randomUUID();
  await db.query(
    `INSERT INTO fixture_notes.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload)
     VALUES ($1, 'notes.note-created', 1, $2, 1, $3)`,
    [randomUUID(), noteId, JSON.stringify({ noteId, text })],
  );
  await db.query(`SELECT pg_notify('tessera_outbox', 'fixture_notes')`);
  return noteId;
}

const copyOf = (db: TestDatabase, noteId: string) =>
  db.query<{ handled_count: number }>('SELECT handled_count FROM fixture_tally.note_copies WHERE note_id = $1', [
    noteId,
  ]);

/** The event counters count what happened: an event queued, a handling attempt spent. */
describe('event counters', () => {
  let db: TestDatabase;
  const apps: AppProcess[] = [];
  /** Each test's processes stop with it: a relay left behind would hold rows the next one claims. */
  const stopApps = () => Promise.all(apps.splice(0).map((app) => app.stop('SIGKILL')));

  beforeAll(async () => (db = await createTestDatabase('event_counters')));
  afterEach(stopApps);
  afterAll(async () => {
    await stopApps();
    await db?.drop();
  });

  describe('while Redis refuses every job', () => {
    let redis: DisposableRedis;
    let admin: Redis;

    beforeAll(async () => {
      redis = await startDisposableRedis();
      admin = new Redis(redis.url);
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    });
    afterAll(async () => {
      admin?.disconnect();
      await redis?.stop();
    });

    it('counts an event published once its job is queued, not at each refused try', async () => {
      const app = await startApp({
        args: ['--modules', 'notes,tally', '--roles', 'relay,worker'],
        env: { DATABASE_URL: db.url, REDIS_URL: redis.url, QUEUE_PREFIX: uniqueId('q'), RELAY_POLL_MS: '100' },
      });
      apps.push(app);
      const published = () => counter(app, 'events_published_total', 'event="notes.note-created@1"');
      expect(await published()).toBe(0);
      await admin.config('SET', 'maxmemory', '1');
      let noteId: string;
      try {
        noteId = await publishNote(db, 'refused, then queued');
        // The relay tries at every poll and is refused each time: the row stays unsent.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const [unsent] = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM fixture_notes.outbox WHERE sent_at IS NULL',
        );
        expect(unsent!.n).toBe(1);
        expect(await published()).toBe(0);
      } finally {
        await admin.config('SET', 'maxmemory', '0');
      }
      await eventually(
        () => copyOf(db, noteId),
        (rows) => rows.length === 1,
        { what: 'the event delivered once Redis takes jobs again' },
      );
      expect(await published()).toBe(1);
    });
  });

  describe('while the subscriber cannot reach its database', () => {
    const queues = redisQueues();
    let proxy: TcpProxy;

    beforeAll(async () => {
      const database = new URL(db.url);
      proxy = new TcpProxy(await freePort(), { host: database.hostname, port: Number(database.port || 5432) });
      await proxy.up();
    });
    afterAll(async () => {
      await proxy?.down();
      await queues.cleanup();
    });

    it('counts no failed handling for the waits, which spend no attempt', async () => {
      const env = { ...queues.env(), AUTH_JWKS_URL: UNUSED_JWKS_URL, RELAY_POLL_MS: '100' };
      const throughProxy = new URL(db.url);
      throughProxy.port = String(proxy.port);
      const consumer = await startApp({
        args: ['--modules', 'notes,tally', '--roles', 'worker'],
        env: { ...env, DATABASE_URL: throughProxy.toString() },
      });
      apps.push(consumer);
      apps.push(
        await startApp({ args: ['--modules', 'notes', '--roles', 'relay'], env: { ...env, DATABASE_URL: db.url } }),
      );
      const tally = 'module="tally"';
      await proxy.down();
      let noteId: string;
      try {
        noteId = await publishNote(db, 'handled after the outage');
        await eventually(
          () => counter(consumer, 'queue_jobs_deferred_total', 'inbox.tally'),
          (deferred) => deferred >= 2,
          { what: 'the event put back twice to wait out the outage' },
        );
        expect(await counter(consumer, 'events_failed_total', tally)).toBe(0);
      } finally {
        await proxy.up();
      }
      await eventually(
        () => copyOf(db, noteId),
        (rows) => rows.length === 1,
        { what: 'the event handled once the database is back' },
      );
      expect(await counter(consumer, 'events_consumed_total', tally)).toBe(1);
      expect(await counter(consumer, 'events_failed_total', tally)).toBe(0);
    });
  });
});
