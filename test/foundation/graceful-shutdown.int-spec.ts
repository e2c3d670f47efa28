import { Agent, get } from 'node:http';
import request from 'supertest';
import { startApp } from '../support/app-process';
import { queueBackends } from '../support/queue-backends';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe.each(queueBackends())('graceful shutdown on SIGTERM ($name queues)', (backend) => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase('shutdown')));
  afterAll(async () => {
    await backend.cleanup();
    await db.drop();
  });

  it('turns readiness 503, finishes the in-flight request and the active job, closes idle keep-alive sockets, exits 0', async () => {
    const app = await startApp({
      env: { DATABASE_URL: db.url, ...backend.env(), SHUTDOWN_DELAY_MS: '1500', HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000' },
    });
    const note = await request(app.url).post('/v1/notes').send({ text: 'job' }).expect(201);
    await request(app.url).post(`/v1/notes/${note.body.id}/jobs?ms=2500`).expect(202);

    // An idle keep-alive connection must not hold the process open for 60 s.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await new Promise<void>((resolve, reject) =>
      get(`${app.url}/health/live`, { agent }, (res) => res.resume().on('end', () => resolve())).on('error', reject),
    );

    await new Promise((r) => setTimeout(r, 300)); // let the worker take the job
    const slow = request(app.url).get('/v1/notes/slow?ms=2500');
    const slowResponse = slow.then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const ready = await request(app.url).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.process.message).toBe('draining');
    await request(app.url).get('/health/live').expect(200);

    const response = await slowResponse;
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sleptMs: 2500 });
    const code = await app.exited();
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    agent.destroy();

    const [row] = await db.query<{ processed_by_job: string | null }>(
      'SELECT processed_by_job FROM fixture_notes.notes WHERE id = $1',
      [note.body.id],
    );
    expect(row?.processed_by_job).toMatch(new RegExp(`^${app.child.pid}:`));
    expect(app.output()).toContain('"msg":"stopped"');
  });
});
