import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { runToExit, startApp, type AppProcess } from '../support/app-process';
import { eventEnvelope } from '../support/event-envelope';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { queueBackends } from '../support/queue-backends';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';

interface DeadLetterView {
  id: string;
  subscriber: string;
  event: string;
  aggregateId: string;
  attempts: number;
  reason: string;
}

describe.each(queueBackends())('inbox, retries and dead letters ($name queues)', (backend) => {
  let db: TestDatabase;
  let app: AppProcess;
  let token: string;
  const env = () => ({
    DATABASE_URL: db.url,
    ...backend.env(),
    ADMIN_EMAILS: ADMIN_EMAIL,
    EVENT_MAX_ATTEMPTS: '3',
    EVENT_RETRY_DELAY_MS: '150',
    RELAY_POLL_MS: '200',
  });
  const copy = (id: string) => request(app.url).get(`/v1/tally/notes/${id}`);
  const deadLetters = async (): Promise<{ items: DeadLetterView[] }> =>
    (await request(app.url).get('/v1/admin/dead-letters').set('Authorization', `Bearer ${token}`).expect(200)).body;
  const deadLetterOf = async (aggregateId: string): Promise<DeadLetterView> => {
    const listed = await eventually(deadLetters, (body) => body.items.some((d) => d.aggregateId === aggregateId), {
      timeoutMs: 20_000,
      what: `a dead letter for ${aggregateId}`,
    });
    return listed.items.find((d) => d.aggregateId === aggregateId) as DeadLetterView;
  };

  /**
   * Queues each envelope on the tally's inbox as its own job and waits until all are done. Job
   * ids are distinct even for a repeated envelope, which defeats BullMQ's deduplication: only
   * the inbox stands between the copies.
   */
  const deliverEach = async (
    envelopes: ReturnType<typeof eventEnvelope>[],
    what: string,
    timeoutMs?: number,
  ): Promise<void> => {
    const queue = inboxQueue(backend, 'tally', db.url);
    try {
      const jobs = await queue.addBulk(
        envelopes.map((envelope, i) => ({
          name: `${envelope.name}@${envelope.version}`,
          data: envelope,
          opts: { jobId: `${what.replace(/\W+/g, '-')}-${envelope.id}-${i}` },
        })),
      );
      await eventually(
        () => Promise.all(jobs.map((job) => job.getState())),
        (states) => states.every((state) => state === 'completed'),
        { what, ...(timeoutMs ? { timeoutMs } : {}) },
      );
    } finally {
      await queue.close();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase(`inbox_${backend.name}`);
    app = await startApp({ env: env() });
    token = (await adminSession(app.url)).accessToken;
  });
  afterAll(async () => {
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  it('carries the request id into the event and its handler', async () => {
    const created = await request(app.url)
      .post('/v1/notes')
      .set('X-Request-Id', 'req-chain-1')
      .send({ text: 'traced' })
      .expect(201);
    const handled = await eventually(
      () => copy(created.body.id),
      (r) => r.status === 200,
    );
    expect(handled.body.correlationId).toBe('req-chain-1');
  });

  it('the same event delivered twice, and concurrently, has one effect', async () => {
    const noteId = randomUUID();
    const envelope = eventEnvelope({
      name: 'notes.note-created',
      publisher: 'notes',
      aggregateId: noteId,
      payload: { noteId, text: 'delivered thrice' },
    });
    await deliverEach([envelope, envelope, envelope], 'three deliveries done');
    const response = await copy(noteId).expect(200);
    expect(response.body.handledCount).toBe(1);
    const metrics = await request(app.url).get('/metrics');
    expect(metrics.text).toMatch(/events_duplicates_total\{event="notes.note-created@1",module="tally"\} 2/);
  });

  it('records an event whose handler writes nothing once, in the inbox: that record is its effect', async () => {
    const archived = Array.from({ length: 5 }, () => {
      const noteId = randomUUID();
      return eventEnvelope({
        name: 'notes.note-archived',
        publisher: 'notes',
        aggregateId: noteId,
        aggregateVersion: 2,
        payload: { noteId, text: 'archived' },
      });
    });
    await deliverEach([...archived, archived[0]!], 'the archived notes handled');
    const metrics = (await request(app.url).get('/metrics')).text;
    expect(metrics).toMatch(/events_consumed_total\{event="notes.note-archived@1",module="tally"\} 5\n/);
    expect(metrics).toMatch(/events_duplicates_total\{event="notes.note-archived@1",module="tally"\} 1\n/);
  });

  describe('a burst of updates to a handler that applies sets', () => {
    const update = (noteId: string, version: number, text = `v${version}`) =>
      eventEnvelope({
        name: 'notes.note-updated',
        publisher: 'notes',
        aggregateId: noteId,
        aggregateVersion: version,
        payload: { noteId, text },
      });
    /** Three versions of each note, out of order, the first event delivered twice. */
    const burstOf = (notes: string[], newestText: (i: number) => string) =>
      notes.flatMap((noteId, i) => [update(noteId, 3, newestText(i)), update(noteId, 1), update(noteId, 2)]);
    const handlerCalls = async () => {
      const text = (await request(app.url).get('/metrics')).text;
      const match = /event_handler_duration_seconds_count\{event="notes.note-updated@1",module="tally"\} (\d+)/.exec(
        text,
      );
      return Number(match?.[1] ?? 0);
    };
    const deliverAll = async (events: ReturnType<typeof update>[]) => {
      await deliverEach([...events, events[0]!], 'the burst handled', 20_000);
      const inboxed = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fixture_tally.inbox WHERE event_id = ANY($1::uuid[])',
        [events.map((e) => e.id)],
      );
      expect(inboxed[0]?.n).toBe(events.length);
    };

    it('ends at the newest version of each note, in fewer handler calls than events', async () => {
      const notes = Array.from({ length: 20 }, () => randomUUID());
      const events = burstOf(notes, () => 'v3');
      const callsBefore = await handlerCalls();
      await deliverAll(events);
      for (const noteId of notes)
        expect((await copy(noteId).expect(200)).body).toMatchObject({ version: 3, text: 'v3' });
      const calls = (await handlerCalls()) - callsBefore;
      // A set-wise call is one observation. Fetching from the PostgreSQL backend can be slow
      // enough that every delivery finds the consumer idle and gets a transaction of its own.
      if (backend.name === 'redis') expect(calls).toBeLessThan(events.length);
      else expect(calls).toBeLessThanOrEqual(events.length);
    });

    it('a set that fails is applied one event at a time, without retries or dead letters', async () => {
      const notes = Array.from({ length: 20 }, () => randomUUID());
      await deliverAll(burstOf(notes, (i) => (i === 7 ? 'refuse-set' : 'v3')));
      for (const [i, noteId] of notes.entries()) {
        const copied = (await copy(noteId).expect(200)).body;
        expect(copied).toMatchObject({ version: 3, text: i === 7 ? 'refuse-set' : 'v3' });
      }
      expect((await deadLetters()).items.some((d) => notes.some((id) => id === d.aggregateId))).toBe(false);
    });
  });

  describe('a relay batch, delivered as one job', () => {
    /** Writes the notes' created events into the notes outbox in one transaction: the relay claims them together. */
    const publishTogether = async (notes: { id: string; payload: unknown }[]) => {
      await db.query(
        `INSERT INTO fixture_notes.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload)
         SELECT gen_random_uuid(), 'notes.note-created', 1, n.id, 1, n.payload
           FROM jsonb_to_recordset($1::jsonb) AS n(id text, payload jsonb)`,
        [JSON.stringify(notes)],
      );
      await db.query(`SELECT pg_notify('tessera_outbox', 'fixture_notes')`);
    };
    const deliveryJobs = async () => {
      const text = (await request(app.url).get('/metrics')).text;
      const figure = (suffix: string) =>
        Number(new RegExp(`event_delivery_job_events_${suffix}\\{module="tally"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { jobs: figure('count'), events: figure('sum') };
    };

    it('thirty events published together reach the subscriber in one job, each handled once', async () => {
      const notes = Array.from({ length: 30 }, (_, i) => {
        const id = randomUUID();
        return { id, payload: { noteId: id, text: `together ${i}` } };
      });
      const before = await deliveryJobs();
      await publishTogether(notes);
      for (const note of notes) {
        const handled = await eventually(
          () => copy(note.id),
          (r) => r.status === 200,
          { timeoutMs: 20_000 },
        );
        expect(handled.body).toMatchObject({ handledCount: 1, text: note.payload.text });
      }
      const after = await deliveryJobs();
      expect(after.events - before.events).toBe(30);
      expect(after.jobs - before.jobs).toBe(1);
    });

    it('an event failing in a batch is retried alone, one breaking its contract is dead-lettered alone', async () => {
      const good = Array.from({ length: 8 }, (_, i) => {
        const id = randomUUID();
        return { id, payload: { noteId: id, text: `batch ${i}` } };
      });
      const flaky: string = randomUUID();
      const broken = `broken-${randomUUID()}`;
      await publishTogether([
        ...good.slice(0, 4),
        { id: flaky, payload: { noteId: flaky, text: 'fail:2 in a batch' } },
        { id: broken, payload: { noteId: 42 } },
        ...good.slice(4),
      ]);
      for (const note of good) {
        const handled = await eventually(
          () => copy(note.id),
          (r) => r.status === 200,
          { timeoutMs: 20_000 },
        );
        expect(handled.body.handledCount).toBe(1);
      }
      // Failed in the batch's transaction and again in its own, then succeeded as its own job.
      const retried = await eventually(
        () => copy(flaky),
        (r) => r.status === 200,
        { timeoutMs: 20_000, what: 'the flaky note handled' },
      );
      expect(retried.body).toMatchObject({ handledCount: 1, failures: 2 });
      const letter = await deadLetterOf(broken);
      expect(letter).toMatchObject({ subscriber: 'tally', event: 'notes.note-created@1', attempts: 1 });
      expect(letter.reason).toContain('breaks its contract');
      const letters = (await deadLetters()).items;
      expect(letters.filter((d) => [flaky, ...good.map((n) => n.id)].includes(d.aggregateId))).toEqual([]);
    });
  });

  it('retries a failing handler with backoff until it succeeds', async () => {
    const created = await request(app.url).post('/v1/notes').send({ text: 'fail:2' }).expect(201);
    const handled = await eventually(
      () => copy(created.body.id),
      (r) => r.status === 200,
      { timeoutMs: 20_000 },
    );
    expect(handled.body).toMatchObject({ handledCount: 1, failures: 2 });
  });

  it('dead-letters after the last attempt; replay through the API delivers it once', async () => {
    const created = await request(app.url).post('/v1/notes').send({ text: 'fail:3' }).expect(201);
    const letter = await deadLetterOf(created.body.id);
    expect(letter).toMatchObject({ subscriber: 'tally', event: 'notes.note-created@1', attempts: 3 });
    expect(letter.reason).toContain('scripted failure 3');
    await copy(created.body.id).expect(404);

    const replay = await request(app.url)
      .post('/v1/admin/dead-letters/replay')
      .set('Authorization', `Bearer ${token}`)
      .send({ ids: [letter.id] })
      .expect(200);
    expect(replay.body).toEqual({ replayed: [letter.id], notFound: [] });
    const handled = await eventually(
      () => copy(created.body.id),
      (r) => r.status === 200,
    );
    expect(handled.body.handledCount).toBe(1);
    expect((await deadLetters()).items.some((d) => d.id === letter.id)).toBe(false);
  });

  it('replays a dead letter asked for by several admins at once once, answering each of them', async () => {
    // One at a time: events handled in one transaction would spend their scripted failures faster.
    const notes: string[] = [];
    const letters: DeadLetterView[] = [];
    for (let i = 0; i < 4; i++) {
      notes.push(
        (
          await request(app.url)
            .post('/v1/notes')
            .send({ text: `fail:3 race ${i}` })
            .expect(201)
        ).body.id,
      );
      letters.push(await deadLetterOf(notes[i]!));
    }
    for (const letter of letters) {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          request(app.url)
            .post('/v1/admin/dead-letters/replay')
            .set('Authorization', `Bearer ${token}`)
            .send({ ids: [letter.id] }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      const winners = answers.filter((answer) => answer.body.replayed.includes(letter.id));
      expect(winners).toHaveLength(1);
      for (const answer of answers.filter((a) => !winners.includes(a)))
        expect(answer.body).toEqual({ replayed: [], notFound: [letter.id] });
    }
    for (const id of notes) {
      const handled = await eventually(
        () => copy(id),
        (r) => r.status === 200,
        { what: `the replayed note ${id} handled` },
      );
      expect(handled.body.handledCount).toBe(1);
    }
    // Ids that are no dead letter (any more) are answered for, whatever their shape.
    const odd = ['tally/no-such-job', 'nobody/job', 'no-slash', letters[0]!.id];
    const answered = await request(app.url)
      .post('/v1/admin/dead-letters/replay')
      .set('Authorization', `Bearer ${token}`)
      .send({ ids: odd })
      .expect(200);
    expect(answered.body).toEqual({ replayed: [], notFound: odd });
  });

  it('sends a payload that breaks its contract to dead letters without retries', async () => {
    await db.query(
      `INSERT INTO fixture_notes.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload)
       VALUES ($1, 'notes.note-created', 1, 'bad-agg', 1, '{"noteId": 42}')`,
      [randomUUID()],
    );
    await db.query(`SELECT pg_notify('tessera_outbox', 'fixture_notes')`);
    const letter = await deadLetterOf('bad-agg');
    expect(letter.attempts).toBe(1);
    expect(letter.reason).toContain('breaks its contract');
  });

  it('lists and replays dead letters from the CLI, and guards the admin API', async () => {
    await request(app.url).get('/v1/admin/dead-letters').expect(401);
    const customer = await sessionFor(app.url, freshEmail('customer'));
    const forbidden = await request(app.url)
      .get('/v1/admin/dead-letters')
      .set('Authorization', `Bearer ${customer.accessToken}`)
      .expect(403);
    expect(forbidden.body.type).toBe('https://tessera.dev/problems/forbidden');
    await request(app.url).get('/v1/admin/dead-letters?limit=0').set('Authorization', `Bearer ${token}`).expect(400);
    // A negative cursor would page from the end and hand itself back as `next`: refused.
    await request(app.url).get('/v1/admin/dead-letters?cursor=-5').set('Authorization', `Bearer ${token}`).expect(400);
    const created = await request(app.url).post('/v1/notes').send({ text: 'fail:3 via cli' }).expect(201);
    const letter = await deadLetterOf(created.body.id);

    const cliEnv = { DATABASE_URL: db.url, ...backend.env() };
    const list = await runToExit({ entry: 'fixture', args: ['events', 'dead-letters'], env: cliEnv });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(letter.id);
    const unknown = await runToExit({ entry: 'fixture', args: ['events', 'replay', 'tally/no-such-job'], env: cliEnv });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('not a dead letter: tally/no-such-job');
    const replay = await runToExit({ entry: 'fixture', args: ['events', 'replay', '--all'], env: cliEnv });
    expect(replay.stdout).toContain(`replayed ${letter.id}`);
    expect(replay.code).toBe(0);
    const handled = await eventually(
      () => copy(created.body.id),
      (r) => r.status === 200,
    );
    expect(handled.body.handledCount).toBe(1);
  });

  it('a stale update (older aggregate version) never moves the copy backwards', async () => {
    const created = await request(app.url).post('/v1/notes').send({ text: 'v1' }).expect(201);
    await request(app.url).patch(`/v1/notes/${created.body.id}`).send({ text: 'v2' }).expect(200);
    await request(app.url).patch(`/v1/notes/${created.body.id}`).send({ text: 'v3' }).expect(200);
    await eventually(
      () => copy(created.body.id),
      (r) => r.status === 200 && r.body.version === 3,
    );
    const queue = inboxQueue(backend, 'tally', db.url);
    try {
      const stale = {
        id: randomUUID(),
        name: 'notes.note-updated',
        version: 1,
        publisher: 'notes',
        occurredAt: new Date().toISOString(),
        aggregateId: created.body.id,
        aggregateVersion: 2,
        correlationId: null,
        causationId: null,
        payload: { noteId: created.body.id, text: 'v2 again' },
      };
      const job = await queue.add('notes.note-updated@1', stale, { jobId: `stale-${stale.id}` });
      await eventually(
        () => job.getState(),
        (state) => state === 'completed',
      );
    } finally {
      await queue.close();
    }
    const after = await copy(created.body.id).expect(200);
    expect(after.body).toMatchObject({ text: 'v3', version: 3 });
  });
});
