import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { queueBackends } from '../support/queue-backends';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe.each(queueBackends())('queues on the $name backend', (backend) => {
  let db: TestDatabase;
  const apps: AppProcess[] = [];
  beforeAll(async () => (db = await createTestDatabase(`queues_${backend.name}`)));
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await backend.cleanup();
    await db.drop();
  });

  async function processedBy(id: string): Promise<string | null> {
    const [row] = await db.query<{ processed_by_job: string | null }>(
      'SELECT processed_by_job FROM fixture_notes.notes WHERE id = $1',
      [id],
    );
    return row?.processed_by_job ?? null;
  }

  it('a job enqueued by an api-only process waits until a worker process consumes it', async () => {
    const api = await startApp({ args: ['--roles', 'api'], env: { DATABASE_URL: db.url, ...backend.env() } });
    apps.push(api);
    const ready = await request(api.url).get('/health/ready').expect(200);
    expect(ready.body.details.queues.backend).toBe(backend.name);
    // No worker runs the tally inbox yet: reported, without failing readiness.
    expect(ready.body.details['event-consumers']).toEqual({
      status: 'degraded',
      withoutConsumer: [
        'inbox.catalog',
        'inbox.inventory',
        'inbox.ordering',
        'inbox.payments',
        'inbox.notifications',
        'inbox.tally',
      ],
    });
    const note = await request(api.url).post('/v1/notes').send({ text: 'queued' }).expect(201);
    await request(api.url).post(`/v1/notes/${note.body.id}/jobs`).expect(202);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await processedBy(note.body.id)).toBeNull();

    const worker = await startApp({ args: ['--roles', 'worker'], env: { DATABASE_URL: db.url, ...backend.env() } });
    apps.push(worker);
    const deadline = Date.now() + 15_000;
    while ((await processedBy(note.body.id)) === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await processedBy(note.body.id)).toMatch(new RegExp(`^${worker.child.pid}:`));
    await request(worker.url).get('/v1/notes/slow').expect(404);
    const consumed = await request(api.url).get('/health/ready').expect(200);
    expect(consumed.body.details['event-consumers']).toEqual({
      status: 'up',
      queues: [
        'inbox.catalog',
        'inbox.inventory',
        'inbox.ordering',
        'inbox.payments',
        'inbox.notifications',
        'inbox.tally',
      ],
    });
    // Nothing got past the JSON log: on the PostgreSQL backend, BullMQ's LISTENs and the process's
    // share one connection, and a query sent while another runs would print pg's deprecation warning.
    expect({ api: api.stderr(), worker: worker.stderr() }).toEqual({ api: '', worker: '' });
  });
});
