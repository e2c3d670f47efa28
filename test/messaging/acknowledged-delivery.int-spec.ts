import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { queueBackends } from '../support/queue-backends';
import { UNUSED_JWKS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const republishedOf = async (app: AppProcess): Promise<number> => {
  const text = (await request(app.url).get('/metrics')).text;
  return [...text.matchAll(/^events_republished_total\{[^}]*module="tally"[^}]*\} (\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
};

/**
 * Delivery counts once the subscriber's inbox has the event: jobs lost from the queue after the
 * relay sent them (Redis restarted empty, a flushed queue) are found again from PostgreSQL.
 */
describe.each(queueBackends())('acknowledged delivery ($name queues)', (backend) => {
  let db: TestDatabase;
  const apps: AppProcess[] = [];
  const start = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const app = await startApp({
      args,
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        RELAY_POLL_MS: '200',
        AUTH_JWKS_URL: UNUSED_JWKS_URL,
        EVENT_DELIVERY_DEADLINE_SECONDS: '1',
        EVENT_RECONCILE_INTERVAL_MS: '300',
        ...env,
      },
    });
    apps.push(app);
    return app;
  };
  const copies = (ids: string[]) =>
    db.query<{ note_id: string; handled_count: number }>(
      'SELECT note_id, handled_count FROM fixture_tally.note_copies WHERE note_id = ANY($1::uuid[])',
      [ids],
    );

  beforeAll(async () => (db = await createTestDatabase(`acked_${backend.name}`)));
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await backend.cleanup();
    await db.drop();
  });

  it('events whose jobs the queue lost reach the inbox once, and are counted as re-published', async () => {
    // Publishing without a consumer: the relay sends every event to inbox.tally, where they wait.
    const publisher = await start(['--modules', 'notes', '--roles', 'api,relay']);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(
        (
          await request(publisher.url)
            .post('/v1/notes')
            .send({ text: `lost ${i}` })
            .expect(201)
        ).body.id,
      );
    }
    await eventually(
      () => db.query<{ n: number }>(`SELECT count(*)::int AS n FROM fixture_notes.outbox WHERE sent_at IS NULL`),
      ([row]) => row!.n === 0,
      { what: 'every event sent by the relay' },
    );
    // The queue loses them, as a Redis restarted without its data would.
    const queue = inboxQueue(backend, 'tally', db.url);
    try {
      await queue.obliterate({ force: true });
      expect(await queue.count()).toBe(0);
    } finally {
      await queue.close();
    }

    const consumer = await start(['--modules', 'notes,tally', '--roles', 'worker']);
    const delivered = await eventually(
      () => copies(ids),
      (rows) => rows.length === ids.length,
      { what: 'every lost event in the inbox', timeoutMs: 30_000 },
    );
    // Handled once each, however many copies the reconciler sent.
    expect(delivered.every((row) => row.handled_count === 1)).toBe(true);
    expect(
      await db.query(`SELECT count(*)::int AS n FROM fixture_tally.inbox WHERE event_id IN (
        SELECT event_id FROM fixture_notes.outbox)`),
    ).toEqual([{ n: ids.length }]);
    expect(await republishedOf(consumer)).toBeGreaterThanOrEqual(ids.length);
    // Once the inbox has them, nothing is left to re-publish.
    await eventually(
      () => db.query<{ n: number }>(`SELECT count(*)::int AS n FROM fixture_tally.redeliveries`),
      ([row]) => row!.n === 0,
      { what: 'the redeliveries settled' },
    );
  });

  it('re-publishes nothing while the inbox keeps up', async () => {
    const app = await start(['--modules', 'notes,tally']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await request(app.url)
            .post('/v1/notes')
            .send({ text: `kept ${i}` })
            .expect(201)
        ).body.id,
      );
    }
    await eventually(
      () => copies(ids),
      (rows) => rows.length === ids.length,
      { what: 'every event handled' },
    );
    // Several sweeps past the deadline: each finds the events in the inbox.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await republishedOf(app)).toBe(0);
    const [mark] = await db.query<{ position: string }>(
      `SELECT position FROM fixture_tally.delivery_watermarks WHERE publisher = 'notes'`,
    );
    const [last] = await db.query<{ position: string }>(
      `SELECT max(position)::text AS position FROM fixture_notes.outbox`,
    );
    expect(mark?.position).toBe(last!.position);
  });

  it('an event committed after later ones were delivered is still found when its job is lost', async () => {
    const deadlineMs = 8000;
    // Alone: the earlier processes sweep with a 1 s deadline, shorter than the transaction below.
    await Promise.all(apps.map((earlier) => earlier.stop()));
    const app = await start(['--modules', 'notes,tally'], {
      EVENT_DELIVERY_DEADLINE_SECONDS: String(deadlineMs / 1000),
    });
    const noteId = randomUUID();
    const held = new Client({ connectionString: db.url });
    await held.connect();
    try {
      await held.query('BEGIN');
      const heldAt = Date.now();
      // Its position is taken now and its commit comes later (a slow transaction). The row is
      // written as the relay leaves it once it has sent it: the queue then lost its job.
      const [row] = (
        await held.query<{ position: string }>(
          `INSERT INTO fixture_notes.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload, sent_at)
           VALUES ($1, 'notes.note-created', 1, $2, 1, $3, now()) RETURNING position::text`,
          [randomUUID(), noteId, JSON.stringify({ noteId, text: 'committed late' })],
        )
      ).rows;
      // A later event commits and is delivered meanwhile; the reconciler sweeps every 300 ms.
      const later = (await request(app.url).post('/v1/notes').send({ text: 'overtakes' }).expect(201)).body.id;
      await eventually(
        () => copies([later]),
        (rows) => rows.length === 1,
        { what: 'the later event handled' },
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const [mark] = await db.query<{ position: string }>(
        `SELECT position::text FROM fixture_tally.delivery_watermarks WHERE publisher = 'notes'`,
      );
      expect(BigInt(mark?.position ?? '0')).toBeLessThan(BigInt(row!.position));
      // Shorter than the deadline: the case the reconciler must cover.
      expect(Date.now() - heldAt).toBeLessThan(deadlineMs);
      await held.query('COMMIT');
    } finally {
      await held.end();
    }
    const [handled] = await eventually(
      () => copies([noteId]),
      (rows) => rows.length === 1,
      { what: 'the late event published again', timeoutMs: deadlineMs + 10_000 },
    );
    expect(handled!.handled_count).toBe(1);
  });
});
