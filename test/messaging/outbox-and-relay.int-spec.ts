import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { queueBackends } from '../support/queue-backends';
import { UNUSED_JWKS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe.each(queueBackends())('outbox and relay ($name queues)', (backend) => {
  let db: TestDatabase;
  const apps: AppProcess[] = [];
  const start = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const app = await startApp({
      args,
      env: { DATABASE_URL: db.url, ...backend.env(), RELAY_POLL_MS: '200', AUTH_JWKS_URL: UNUSED_JWKS_URL, ...env },
    });
    apps.push(app);
    return app;
  };
  const copyOf = async (id: string) =>
    (
      await db.query<{ handled_count: number }>(
        'SELECT handled_count FROM fixture_tally.note_copies WHERE note_id = $1',
        [id],
      )
    )[0];

  beforeAll(async () => (db = await createTestDatabase(`outbox_${backend.name}`)));
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await backend.cleanup();
    await db.drop();
  });

  it('a rolled-back transaction publishes nothing; a process killed right after commit still delivers (relay in another process)', async () => {
    const consumer = await start(['--modules', 'notes,tally', '--roles', 'relay,worker']);
    const publisher = await start(['--modules', 'notes', '--roles', 'api']);

    const failed = await request(publisher.url)
      .post('/v1/notes?crash=before-commit')
      .send({ text: 'rolled back' })
      .expect(500);
    expect(failed.body.type).toBe('https://tessera.dev/problems/internal-error');
    await request(publisher.url).post('/v1/notes?crash=bad-payload').send({ text: 'breaks the contract' }).expect(500);
    await publisher.waitForOutput(/refusing to publish notes.note-created@1: payload breaks its schema/);
    expect(await db.query(`SELECT count(*)::int AS n FROM fixture_notes.outbox`)).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM fixture_notes.notes`)).toEqual([{ n: 0 }]);

    await request(publisher.url)
      .post('/v1/notes?crash=after-commit')
      .send({ text: 'survives a crash' })
      .catch(() => undefined);
    expect(await publisher.exited()).toBeNull(); // killed by SIGKILL: no exit code
    const [note] = await db.query<{ id: string }>(`SELECT id FROM fixture_notes.notes WHERE text = 'survives a crash'`);
    expect(note).toBeDefined();
    const copy = await eventually(
      () => copyOf(note!.id),
      (c) => c !== undefined,
      { what: 'delivery after the crash' },
    );
    expect(copy).toEqual({ handled_count: 1 });
    expect(await db.query(`SELECT count(*)::int AS n FROM fixture_tally.note_copies`)).toEqual([{ n: 1 }]);
    await consumer.stop();
  });

  it('a relay in another process wakes on the commit of an event, not on its poll', async () => {
    // Polling once a minute (the most it allows): only the doorbell's NOTIFY can wake it in time.
    const consumer = await start(['--modules', 'notes,tally', '--roles', 'relay,worker'], { RELAY_POLL_MS: '60000' });
    const publisher = await start(['--modules', 'notes', '--roles', 'api']);
    // Ready is not yet listening: wait for the relay's LISTEN, or a commit before it would wait for the poll.
    await consumer.waitForOutput(
      /OutboxRelay:notes.*listening for outbox commits|listening for outbox commits.*OutboxRelay:notes/,
    );
    const { body } = await request(publisher.url).post('/v1/notes').send({ text: 'rings' }).expect(201);
    await eventually(
      () => copyOf((body as { id: string }).id),
      (c) => c !== undefined,
      { what: 'delivery woken by the doorbell', timeoutMs: 10_000, intervalMs: 20 },
    );
    await Promise.all([consumer.stop(), publisher.stop()]);
  });

  it('two relays running at once publish every event exactly once', async () => {
    const relays = await Promise.all(
      [1, 2].map(() => start(['--modules', 'notes', '--roles', 'relay'], { RELAY_BATCH_SIZE: '10' })),
    );
    const api = await start(['--modules', 'notes,tally', '--roles', 'api,worker']);
    const ids = await Promise.all(
      Array.from(
        { length: 120 },
        async (_, i) =>
          (
            await request(api.url)
              .post('/v1/notes')
              .send({ text: `relay race ${i}` })
              .expect(201)
          ).body.id as string,
      ),
    );
    await eventually(
      () =>
        db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM fixture_tally.note_copies WHERE note_id = ANY($1::uuid[])`,
          [ids],
        ),
      (rows) => rows[0]?.n === ids.length,
      { what: 'all 120 events handled', timeoutMs: 30_000 },
    );
    const published = await Promise.all(
      relays.map((relay) =>
        request(relay.url)
          .get('/metrics')
          .then((r) => sumOf(r.text, 'events_published_total')),
      ),
    );
    expect(published[0]! + published[1]!).toBe(ids.length);
    const metrics = await request(api.url).get('/metrics');
    expect(sumOf(metrics.text, 'events_duplicates_total')).toBe(0);
    expect(
      await db.query(
        `SELECT max(handled_count)::int AS m FROM fixture_tally.note_copies WHERE note_id = ANY($1::uuid[])`,
        [ids],
      ),
    ).toEqual([{ m: 1 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM fixture_notes.outbox WHERE sent_at IS NULL`)).toEqual([
      { n: 0 },
    ]);
  });
});

function sumOf(metrics: string, name: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
