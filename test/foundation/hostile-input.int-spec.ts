import { connect } from 'node:net';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { rawHttp, type RawResponse } from '../support/raw-http';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';
const BODY_LIMIT = 65_536;
const REQUEST_TIMEOUT_MS = 1000;

/** A 4xx problem+json of this type: never a 5xx, never Fastify's or Node's own plain answer. */
function expectProblem(response: RawResponse, status: number, slug: string): void {
  expect({ status: response.status, ending: response.ending, error: response.error }).toMatchObject({ status });
  expect(response.headers['content-type']).toBe(PROBLEM);
  expect(response.body).toMatchObject({
    type: `https://tessera.dev/problems/${slug}`,
    title: expect.any(String),
    status,
  });
}

function get(path: string, headers = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`;
}

function post(path: string, body: string, contentType = 'application/json'): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What a fuzzer sent every route: nothing a client sends may reach a 500, go unanswered, hold
 * a connection forever, or be answered in another shape than problem+json.
 */
describe('hostile input', () => {
  let db: TestDatabase;
  let app: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase('hostile');
    app = await startApp({
      env: {
        DATABASE_URL: db.url,
        HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('refuses a JSON body nested 10,000 deep with 400 body-too-deep, and still takes nesting a request needs', async () => {
    const deep = `{"text":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expectProblem(await rawHttp(app.port, post('/v1/notes', deep)), 400, 'body-too-deep');
    expectProblem(await rawHttp(app.port, post('/v1/auth/register', deep)), 400, 'body-too-deep');
    // Fine nesting gets to validation, which names the field.
    const shallow = await rawHttp(app.port, post('/v1/notes', '{"text":[[[["x"]]]]}'));
    expectProblem(shallow, 400, 'validation-error');
  });

  it('refuses prototype-polluting keys like malformed JSON', async () => {
    for (const body of [
      '{"text":"x","__proto__":{"admin":true}}',
      '{"text":"x","constructor":{"prototype":{"a":1}}}',
    ]) {
      expectProblem(await rawHttp(app.port, post('/v1/notes', body)), 400, 'malformed-body');
    }
  });

  it('refuses text PostgreSQL cannot store with 400 validation-error naming the field: body, query and path', async () => {
    const nulBody = await rawHttp(app.port, post('/v1/notes', '{"text":"before\\u0000after"}'));
    expectProblem(nulBody, 400, 'validation-error');
    expect(nulBody.body).toMatchObject({ errors: [{ field: 'text', message: expect.stringContaining('NUL') }] });

    // The escape sequence of a lone surrogate, as the JSON text itself carries it.
    const surrogate = await rawHttp(app.port, post('/v1/notes', '{"text":"\\ud800"}'));
    expectProblem(surrogate, 400, 'validation-error');
    expect(surrogate.body).toMatchObject({
      errors: [{ field: 'text', message: expect.stringContaining('surrogate') }],
    });

    const query = await rawHttp(app.port, get('/v1/products?q=lamp%00'));
    expectProblem(query, 400, 'validation-error');
    expect(query.body).toMatchObject({ errors: [{ field: 'q' }] });

    const charge = await rawHttp(app.port, post('/v1/payments/sandbox/charges/%00/authenticate', '{}'));
    expectProblem(charge, 400, 'validation-error');
    expect(charge.body).toMatchObject({ errors: [{ field: 'chargeId' }] });
    expectProblem(await rawHttp(app.port, get('/v1/products/%00')), 400, 'validation-error');

    // A NUL in a header never gets that far: Node's parser refuses it.
    expectProblem(await rawHttp(app.port, get('/v1/products', 'Idempotency-Key: a\u0000b\r\n')), 400, 'bad-request');
    const rows = await db.query('SELECT count(*)::int AS n FROM fixture_notes.notes');
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('refuses numbers past what a bigint column holds', async () => {
    const response = await rawHttp(app.port, get('/v1/products?maxPrice=1e23'));
    expectProblem(response, 400, 'validation-error');
    expect(response.body).toMatchObject({ errors: [{ field: 'maxPrice' }] });
  });

  it('answers URLs that do not decode and path parameters too long for any id', async () => {
    expectProblem(await rawHttp(app.port, get('/v1/products/%')), 400, 'malformed-url');
    expectProblem(await rawHttp(app.port, get('/v1/notes/%zz')), 400, 'malformed-url');
    expectProblem(await rawHttp(app.port, get(`/v1/products/${'a'.repeat(500)}`)), 414, 'uri-too-long');
  });

  it('answers methods no route serves, methods HTTP does not have, and CONNECT', async () => {
    const propfind = await rawHttp(app.port, `PROPFIND /v1/products HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    expectProblem(propfind, 404, 'route-not-found');
    expectProblem(await rawHttp(app.port, `FOO / HTTP/1.1\r\nHost: localhost\r\n\r\n`), 400, 'bad-request');
    // Node closes a CONNECT without a word unless the server listens for it.
    const tunnel = await rawHttp(app.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expectProblem(tunnel, 405, 'method-not-allowed');
  });

  it('answers a 70 KB URL with 414, every time, even while the client is still sending its body', async () => {
    const body = JSON.stringify({ ids: ['x'.repeat(200_000)] });
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await rawHttp(app.port, post(`/v1/admin/dead-letters/replay?q=${'a'.repeat(70_000)}`, body));
      expectProblem(response, 414, 'uri-too-long');
    }
  });

  it('answers 20 KB of headers with 431', async () => {
    const response = await rawHttp(app.port, get('/v1/products', `X-Padding: ${'p'.repeat(20_000)}\r\n`));
    expectProblem(response, 431, 'request-header-fields-too-large');
  });

  it('answers a body over the limit, an unsupported media type, malformed and empty JSON', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(BODY_LIMIT * 2) });
    expectProblem(await rawHttp(app.port, post('/v1/notes', big)), 413, 'payload-too-large');
    expectProblem(
      await rawHttp(app.port, post('/v1/notes', '<text/>', 'application/xml')),
      415,
      'unsupported-media-type',
    );
    expectProblem(await rawHttp(app.port, post('/v1/notes', '{"text":')), 400, 'malformed-body');
    expectProblem(await rawHttp(app.port, post('/v1/notes', '')), 400, 'malformed-body');
  });

  it('answers requests Node would refuse with an empty body: no Host, an unknown expectation', async () => {
    const noHost = await rawHttp(app.port, 'GET /v1/products HTTP/1.1\r\n\r\n');
    expectProblem(noHost, 400, 'bad-request');
    const expectation = await rawHttp(
      app.port,
      'POST /v1/notes HTTP/1.1\r\nHost: localhost\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    );
    expectProblem(expectation, 417, 'expectation-failed');
  });

  it('answers a client that stops sending its body with 408 and closes the connection', async () => {
    const head =
      'POST /v1/notes HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{';
    const response = await rawHttp(app.port, head, { timeoutMs: REQUEST_TIMEOUT_MS * 8 });
    expectProblem(response, 408, 'request-timeout');
    expect(response.headers.connection).toBe('close');
    expect(response.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);

    // The same for one that trickles a byte at a time, never finishing.
    const trickle = await rawHttp(app.port, head, {
      timeoutMs: REQUEST_TIMEOUT_MS * 8,
      send: (socket) => {
        const drip = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(drip)), 100);
        socket.once('close', () => clearInterval(drip));
      },
    });
    expectProblem(trickle, 408, 'request-timeout');
  });

  it('leaves idle keep-alive connections alone: the request timeout covers only a request being sent', async () => {
    const socket = connect(app.port, '127.0.0.1');
    const responses: string[] = [];
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      for (let end = received.indexOf('\r\n\r\n'); end !== -1; end = received.indexOf('\r\n\r\n')) {
        const length = Number(/content-length: (\d+)/i.exec(received.slice(0, end))?.[1] ?? 0);
        if (received.length < end + 4 + length) break;
        responses.push(received.slice(0, end + 4 + length));
        received = received.slice(end + 4 + length);
      }
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    try {
      socket.write(get('/health/live'));
      await waitFor(() => responses.length === 1);
      // Idle for twice the request timeout, then a second request on the same connection.
      await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS * 2));
      expect(socket.destroyed).toBe(false);
      socket.write(get('/health/live'));
      await waitFor(() => responses.length === 2);
      expect(responses.map((response) => response.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    } finally {
      socket.destroy();
      await closed;
    }
  });

  it('gives a slow handler all the time it needs: the timeout ends when the request is in', async () => {
    const response = await request(app.url)
      .get(`/v1/notes/slow?ms=${REQUEST_TIMEOUT_MS * 2}`)
      .expect(200);
    expect(response.body).toEqual({ sleptMs: REQUEST_TIMEOUT_MS * 2 });
  });

  it('is still serving after all of it, and answered none of it with a 5xx', async () => {
    await request(app.url).post('/v1/notes').send({ text: 'still here' }).expect(201);
    expect(app.output()).not.toMatch(/"status":5\d\d/);
  });
});
