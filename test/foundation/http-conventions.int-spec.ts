import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('HTTP conventions', () => {
  let db: TestDatabase;
  let app: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase('http');
    app = await startApp({ env: { DATABASE_URL: db.url, HTTP_BODY_LIMIT_BYTES: '4096', METRICS_TOKEN: 'scrape-me' } });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('serves liveness, readiness with every dependency and module check, and startup', async () => {
    await request(app.url).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(app.url).get('/health/ready').expect(200);
    expect(Object.keys(ready.body.details).sort()).toEqual(['database', 'event-consumers', 'fixture-notes', 'queues']);
    expect(ready.body.details.queues).toEqual({ status: 'up', backend: 'postgres' });
    await request(app.url).get('/health/startup').expect(200, { status: 'ok' });
  });

  it('answers unknown routes with problem+json 404', async () => {
    const response = await request(app.url).get('/v1/nothing-here').expect(404);
    expect(response.headers['content-type']).toBe(PROBLEM);
    expect(response.body).toMatchObject({
      type: 'https://tessera.dev/problems/route-not-found',
      title: 'Not Found',
      status: 404,
      instance: '/v1/nothing-here',
    });
  });

  it('rejects unknown fields with 400 naming the field', async () => {
    const response = await request(app.url).post('/v1/notes').send({ text: 'hello', colour: 'red' }).expect(400);
    expect(response.headers['content-type']).toBe(PROBLEM);
    expect(response.body).toMatchObject({
      type: 'https://tessera.dev/problems/validation-error',
      detail: 'colour: unknown field',
      errors: [{ field: 'colour', message: 'unknown field' }],
    });
  });

  it('names a field of the wrong type, and rejects a malformed id and malformed JSON', async () => {
    const wrongType = await request(app.url).post('/v1/notes').send({ text: 42 }).expect(400);
    expect(wrongType.body.errors).toEqual(
      expect.arrayContaining([{ field: 'text', message: 'text must be a string' }]),
    );
    const badId = await request(app.url).get('/v1/notes/not-a-uuid').expect(400);
    expect(badId.headers['content-type']).toBe(PROBLEM);
    const badJson = await request(app.url)
      .post('/v1/notes')
      .set('content-type', 'application/json')
      .send('{"text":')
      .expect(400);
    expect(badJson.headers['content-type']).toBe(PROBLEM);
  });

  it('answers a body over the limit with 413 problem+json', async () => {
    const response = await request(app.url)
      .post('/v1/notes')
      .send({ text: 'x'.repeat(5000) })
      .expect(413);
    expect(response.headers['content-type']).toBe(PROBLEM);
    expect(response.body.type).toBe('https://tessera.dev/problems/payload-too-large');
  });

  it('writes and reads through the module data source', async () => {
    const created = await request(app.url).post('/v1/notes').send({ text: 'persisted' }).expect(201);
    const read = await request(app.url).get(`/v1/notes/${created.body.id}`).expect(200);
    expect(read.body).toMatchObject({ id: created.body.id, text: 'persisted' });
    const rows = await db.query('SELECT text FROM fixture_notes.notes WHERE id = $1', [created.body.id]);
    expect(rows).toEqual([{ text: 'persisted' }]);
  });

  it("returns the caller's X-Request-Id, or a generated one, also inside problems and logs", async () => {
    const echoed = await request(app.url).get('/v1/nothing-here').set('X-Request-Id', 'trace-abc-123').expect(404);
    expect(echoed.headers['x-request-id']).toBe('trace-abc-123');
    expect(echoed.body.requestId).toBe('trace-abc-123');
    const generated = await request(app.url).get('/health/live').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await request(app.url).get('/health/live').set('X-Request-Id', 'bad id with spaces').expect(200);
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    await app.waitForOutput(/"reqId":"trace-abc-123".*"status":404/);
  });

  it('sends security headers and no CORS headers unless configured', async () => {
    const response = await request(app.url).get('/health/live').set('Origin', 'https://evil.example').expect(200);
    expect(response.headers).toMatchObject({
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    // helmet's headers for HTML pages mean nothing to a JSON response.
    expect(response.headers['x-xss-protection']).toBeUndefined();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it("gives the OpenAPI explorer, an HTML page, helmet's headers with a policy that lets it run", async () => {
    const explorer = await request(app.url).get('/docs').expect(200);
    expect(explorer.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(explorer.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(explorer.headers['x-content-type-options']).toBe('nosniff');
    expect(explorer.headers['strict-transport-security']).toMatch(/^max-age=/);
  });

  it('records requests in the histogram by route template, behind the metrics token', async () => {
    const created = await request(app.url).post('/v1/notes').send({ text: 'metered' }).expect(201);
    await request(app.url).get(`/v1/notes/${created.body.id}`).expect(200);
    await request(app.url).get('/metrics').expect(401);
    const metrics = await request(app.url).get('/metrics').set('Authorization', 'Bearer scrape-me').expect(200);
    expect(metrics.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/notes\/:id",status_code="200"\} [1-9]/,
    );
    expect(metrics.text).not.toContain(created.body.id);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    expect(metrics.text).toContain(
      'tessera_info{version="0.1.0",commit="unknown",modules="identity,catalog,inventory,ordering,payments,notifications,notes,tally,echo",roles="api,worker,relay"} 1',
    );
  });

  it('publishes the OpenAPI document at /docs-json and the explorer at /docs', async () => {
    const document = await request(app.url).get('/docs-json').expect(200);
    expect(document.body.openapi).toMatch(/^3\./);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/v1/notes', '/v1/notes/{id}', '/health/ready']),
    );
    const explorer = await request(app.url).get('/docs').expect(200);
    expect(explorer.text).toContain('swagger');
  });
});
