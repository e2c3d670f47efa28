import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { startApp, type AppProcess } from '../support/app-process';
import { queueBackends } from '../support/queue-backends';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly socket: Socket;
}

/** A GET on `agent` (a kept-alive connection when it has one), with the socket that carried it. */
function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      const socket = res.socket as Socket;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socket }));
    })
      .on('error', reject)
      .end();
  });
}

const closed = (socket: Socket) =>
  socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));

/**
 * What a client holding keep-alive connections sees of a SIGTERM: the process serves on through
 * SHUTDOWN_DELAY_MS, on its old connections and on new ones, each response closing its
 * connection; then it stops accepting, finishes the request in flight, and exits without
 * waiting for the connection that request leaves behind (Node's own close would wait for it
 * until the keep-alive timeout, here a minute, past SHUTDOWN_TIMEOUT_MS).
 */
describe('connections during a drain', () => {
  let db: TestDatabase;
  let app: AppProcess;
  const queues = queueBackends().find((b) => b.name === 'redis')!;
  const agents: Agent[] = [];
  const keepAlive = () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };
  beforeAll(async () => {
    db = await createTestDatabase('drain_connections');
    app = await startApp({
      env: {
        DATABASE_URL: db.url,
        ...queues.env(),
        SHUTDOWN_DELAY_MS: '1500',
        SHUTDOWN_TIMEOUT_MS: '20000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000',
      },
    });
  });
  afterAll(async () => {
    for (const agent of agents) agent.destroy();
    await app?.stop('SIGKILL');
    await queues.cleanup();
    await db?.drop();
  });

  it('serves old and new connections while draining, each answer closing its connection, and exits soon after the last request', async () => {
    // Two connections kept alive from before the signal.
    const [first, second] = [keepAlive(), keepAlive()];
    const before = await Promise.all([get(`${app.url}/health/live`, first), get(`${app.url}/health/live`, second)]);
    for (const answer of before) expect(answer.headers.connection).toBe('keep-alive');

    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    // An old connection: its next request is served, and the connection closes after it.
    const onOld = await get(`${app.url}/v1/notes/slow?ms=50`, first);
    expect(onOld.socket).toBe(before[0]!.socket);
    expect({ status: onOld.status, connection: onOld.headers.connection }).toEqual({
      status: 200,
      connection: 'close',
    });
    await closed(onOld.socket);
    // A new connection is served too; the problem+json conventions hold while draining.
    const fresh = await get(`${app.url}/v1/no-such-route`, keepAlive());
    expect({ status: fresh.status, connection: fresh.headers.connection }).toEqual({
      status: 404,
      connection: 'close',
    });
    expect(fresh.headers['content-type']).toMatch(/^application\/problem\+json/);

    // A request in flight when the listener closes (at 1.5 s) is answered, and its connection
    // (kept alive from before the signal) does not hold the process open.
    const spanning = get(`${app.url}/v1/notes/slow?ms=1500`, second);
    await new Promise((r) => setTimeout(r, Math.max(0, signalledAt + 1700 - Date.now())));
    const refused = await get(`${app.url}/health/live`, new Agent()).then(
      (answer) => `answered ${answer.status}`,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    const answer = await spanning;
    expect(answer.socket).toBe(before[1]!.socket);
    expect({ status: answer.status, body: answer.body, connection: answer.headers.connection }).toEqual({
      status: 200,
      body: JSON.stringify({ sleptMs: 1500 }),
      connection: 'close',
    });

    expect(await app.exited()).toBe(0);
    // The drain (1.5 s), the request it waited for, the workers and pools: far below the 20 s timeout.
    expect(Date.now() - signalledAt).toBeLessThan(6_000);
    expect(app.output()).toMatch(/"busy":1,"cut":0,"msg":"http server closed"/);
    expect(app.output()).not.toContain('outlived the shutdown timeout');
  });
});
