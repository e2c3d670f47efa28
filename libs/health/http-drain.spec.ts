import { Agent, createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { HttpDrain } from './http-drain';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly socket: Socket;
}

/** A server whose handler `GET /wait?ms=` answers after `ms`; keep-alive far longer than any test. */
async function startServer(handler?: (response: ServerResponse, url: URL) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (handler) return handler(res, url);
    setTimeout(() => res.end(JSON.stringify({ path: url.pathname })), Number(url.searchParams.get('ms') ?? 0));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports.set(server, (server.address() as AddressInfo).port);
  return server;
}

const ports = new WeakMap<Server, number>();

function get(server: Server, path: string, agent: Agent): Promise<Answer> {
  const port = ports.get(server);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      // Taken now: a kept-alive socket is detached from the response once it ends.
      const socket = res.socket as Socket;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socket }));
    });
    req.on('error', reject);
    req.end();
  });
}

const closedSocket = (socket: Socket) =>
  socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('HttpDrain', () => {
  let server: Server;
  let agent: Agent;
  afterEach(async () => {
    agent?.destroy();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('keeps serving old and new connections while draining, each response closing its connection', async () => {
    server = await startServer();
    const drain = new HttpDrain(server);
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = await get(server, '/before', agent);
    expect(before.headers.connection).toBe('keep-alive');

    drain.begin();
    // The next request reuses the kept-alive connection: served, and the connection ends after it.
    const reused = await get(server, '/reused', agent);
    expect(reused.socket).toBe(before.socket);
    expect(reused).toMatchObject({ status: 200, body: '{"path":"/reused"}' });
    expect(reused.headers.connection).toBe('close');
    await closedSocket(reused.socket);
    const fresh = await get(server, '/fresh', agent);
    expect(fresh.socket).not.toBe(before.socket);
    expect(fresh).toMatchObject({ status: 200, body: '{"path":"/fresh"}' });
    expect(fresh.headers.connection).toBe('close');
  });

  it('closes idle keep-alive connections, stops accepting, and lets a request in flight finish without waiting out the keep-alive timeout', async () => {
    server = await startServer();
    const drain = new HttpDrain(server);
    agent = new Agent({ keepAlive: true, maxSockets: 2 });
    // Two kept-alive connections: one will be idle, one busy when the server closes.
    const [a, b] = await Promise.all([get(server, '/wait?ms=50', agent), get(server, '/wait?ms=50', agent)]);
    expect(a.socket).not.toBe(b.socket);
    const busy = get(server, '/wait?ms=400', agent);
    await new Promise((r) => setTimeout(r, 100));

    const startedAt = Date.now();
    const closed = drain.close(10_000);
    const answer = await busy;
    expect(answer).toMatchObject({ status: 200, body: '{"path":"/wait"}' });
    // Answered after close began: without `Connection: close` it would keep its connection (and the server) open.
    expect(answer.headers.connection).toBe('close');
    expect(await closed).toEqual({ closedInTime: true, idle: 1, busy: 1, cut: 0 });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    await Promise.all([a.socket, b.socket, answer.socket].map(closedSocket));
    await expect(get(server, '/after', new Agent())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('serves a request that reaches a connection accepted before the close but not read yet, instead of resetting it', async () => {
    server = await startServer();
    const drain = new HttpDrain(server);
    const accepted = new Promise<void>((resolve) => server.once('connection', () => resolve()));
    const client = connect(ports.get(server)!, '127.0.0.1');
    let text = '';
    client.setEncoding('latin1');
    client.on('data', (chunk: string) => (text += chunk));
    const ended = new Promise<string>((resolve) =>
      client.on('close', (hadError) => resolve(hadError ? 'error' : 'closed')),
    );
    client.on('error', () => undefined);
    await accepted;
    // The request is on its way (in the server's socket buffer) when the close begins.
    client.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
    const closed = drain.close(10_000);
    expect(await ended).toBe('closed');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text).toContain('{"path":"/late"}');
    expect(await closed).toMatchObject({ closedInTime: true, idle: 0 });
  });

  it('closes a connection that never sends a request shortly after the close', async () => {
    server = await startServer();
    const drain = new HttpDrain(server);
    const accepted = new Promise<void>((resolve) => server.once('connection', () => resolve()));
    const client = connect(ports.get(server)!, '127.0.0.1');
    client.on('error', () => undefined);
    await accepted;
    const startedAt = Date.now();
    expect(await drain.close(10_000)).toMatchObject({ closedInTime: true, idle: 0, busy: 1 });
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    client.destroy();
  });

  it('closes a connection whose response was already on its way as keep-alive once that response ends', async () => {
    let finish: (() => void) | undefined;
    server = await startServer((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      finish = () => res.end('last');
    });
    const drain = new HttpDrain(server);
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const streaming = get(server, '/stream', agent);
    while (!finish) await new Promise((r) => setTimeout(r, 10));
    drain.begin();
    const closed = drain.close(10_000);
    finish();
    const answer = await streaming;
    expect(answer.body).toBe('first last');
    expect(answer.headers.connection).toBe('keep-alive');
    await closedSocket(answer.socket);
    expect(await closed).toMatchObject({ closedInTime: true });
  });

  it('cuts the connections still busy after the timeout and says so', async () => {
    server = await startServer();
    const drain = new HttpDrain(server);
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const slow = get(server, '/wait?ms=5000', agent);
    await new Promise((r) => setTimeout(r, 100));
    const startedAt = Date.now();
    expect(await drain.close(300)).toEqual({ closedInTime: false, idle: 0, busy: 1, cut: 1 });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    await expect(slow).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});
