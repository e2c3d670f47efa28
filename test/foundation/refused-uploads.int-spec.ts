import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { startApp, type AppProcess } from '../support/app-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';
const BODY_LIMIT = 65_536;
const REQUEST_TIMEOUT_MS = 1000;

/** POSTs a body; resolves with the answer, or with the error the client saw instead. */
function upload(url: string, body: string): Promise<string> {
  return new Promise((resolve) => {
    const sent = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.once('end', () => resolve(`${response.statusCode} ${response.headers['content-type']}`));
    });
    sent.on('error', (error) => resolve(error.message));
    sent.end(body);
  });
}

/**
 * A body over the limit is refused before it is read, while the client is still sending it: the
 * client must get the 413, not a reset connection. The shipped entrypoint, whose modules keep
 * its event loop busier than a fixture's: there a closed socket most often beat the answer.
 */
describe('uploads refused before their body arrives', () => {
  let db: TestDatabase;
  let app: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase('refused_uploads');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        LOG_LEVEL: 'warn',
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('answers every one with 413 problem+json', async () => {
    const big = JSON.stringify({ items: 'x'.repeat(2_000_000) });
    const answers: string[] = [];
    for (let i = 0; i < 300; i++) answers.push(await upload(`${app.url}/v1/orders`, big));
    // Closed with the body unread, the socket's reset reached the client first about once in 30.
    expect(answers).toEqual(Array(300).fill(`413 ${PROBLEM}`));
  });

  it('answers one whose body stops arriving with 413 within the request timeout, once, and closes', async () => {
    const socket = connect(app.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    const started = Date.now();
    socket.write(
      `POST /v1/orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT * 16}\r\n\r\n{"items":"`,
    );
    const closedAt = await closed;
    expect(received.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 413']);
    // It waited for the rest of the body half the request timeout: a 413, before any 408.
    expect(closedAt - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS / 2 - 50);
    expect(closedAt - started).toBeLessThan(REQUEST_TIMEOUT_MS);
  });
});
