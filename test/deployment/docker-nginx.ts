import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { ROOT } from '../support/app-process';
import { Nginx } from '../topology/nginx';

/**
 * Docker's embedded DNS as nginx sees it: A records per service name that a test changes as
 * `docker compose up --scale` would, each answer with Docker's TTL (600 s).
 */
export class FakeDockerDns {
  private readonly records = new Map<string, string[]>();

  private constructor(private readonly socket: UdpSocket) {}

  static async start(): Promise<FakeDockerDns> {
    const socket = createSocket('udp4');
    const dns = new FakeDockerDns(socket);
    socket.on('message', (query, peer) => socket.send(dns.answer(query), peer.port, peer.address));
    await new Promise<void>((bound) => socket.bind(0, '127.0.0.1', bound));
    return dns;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** The addresses `name` resolves to from now on (none: the name does not exist). */
  set(name: string, addresses: string[]): void {
    this.records.set(name, addresses);
  }

  private answer(query: Buffer): Buffer {
    // Header (12 bytes), then one question: labels, a zero byte, QTYPE and QCLASS.
    let at = 12;
    const labels: string[] = [];
    while (query[at]! > 0) {
      labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString('ascii'));
      at += query[at]! + 1;
    }
    const question = query.subarray(12, at + 5);
    const type = query.readUInt16BE(at + 1);
    const found = this.records.get(labels.join('.').toLowerCase());
    const addresses = type === 1 ? (found ?? []) : [];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    // A response to a recursive query; NXDOMAIN for a name that does not exist.
    header.writeUInt16BE(found ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const answers = addresses.map((address) => {
      const record = Buffer.alloc(16);
      record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
      record.writeUInt16BE(1, 2); // A
      record.writeUInt16BE(1, 4); // IN
      record.writeUInt32BE(600, 6);
      record.writeUInt16BE(4, 10);
      address.split('.').forEach((octet, i) => record.writeUInt8(Number(octet), 12 + i));
      return record;
    });
    return Buffer.concat([header, question, ...answers]);
  }

  close(): Promise<void> {
    return new Promise((closed) => this.socket.close(() => closed()));
  }
}

/**
 * A stand-in app replica on a loopback address of its own (127.0.0.2, …), all on one port as
 * containers of a service are: it answers every request with its address (and the X-Request-Id
 * it was sent in `x-seen-request-id`), or resets every connection once the request has arrived
 * (a replica that crashed under it).
 */
export async function replica(address: string, port: number, behaviour: 'serve' | 'reset' = 'serve'): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (behaviour === 'reset') request.socket.destroy();
      else
        response
          .writeHead(200, { 'content-type': 'text/plain', 'x-seen-request-id': request.headers['x-request-id'] ?? '' })
          .end(address);
    });
  });
  await new Promise<void>((listening) => server.listen(port, address, listening));
  return server;
}

export function closeAll(servers: Server[]): Promise<void> {
  return Promise.all(
    servers.map((server) => new Promise<void>((closed) => server.close(() => closed()).closeAllConnections())),
  ).then(() => undefined);
}

/**
 * nginx (Debian's) running docker/nginx/<name> as the compose stack does, but listening on a
 * free port, asking `dns` instead of 127.0.0.11 (its `valid` cut to 1 s to keep the test short)
 * and finding the services on `appPort`; everything else as written.
 */
export async function runDockerNginx(name: string, dns: FakeDockerDns, appPort: number): Promise<Nginx> {
  const written = readFileSync(join(ROOT, 'docker', 'nginx', name), 'utf8');
  return Nginx.launch((port, dir) => {
    const config = written
      .replace(/^worker_processes .*$/m, `worker_processes 1;\nerror_log ${dir}/error.log warn;\ndaemon off;`)
      .replace(/^pid .*$/m, `pid ${dir}/nginx.pid;`)
      .replace(
        /^http \{$/m,
        `http {\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t.replace('client_', '')};`).join('\n')}`,
      )
      .replace(/resolver 127\.0\.0\.11 valid=\d+s/, `resolver 127.0.0.1:${dns.port} valid=1s`)
      .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
      .replace(/\b([a-z-]+):3000\b/g, `$1:${appPort}`);
    const directives = config.replace(/#.*$/gm, '');
    if (directives.includes('127.0.0.11') || directives.includes(':3000'))
      throw new Error(`docker/nginx/${name}: the test could not point it at its stand-ins`);
    return config;
  });
}

/** Which replica answered each of `count` requests (its address, or the status when not 200). */
export async function answeredBy(
  nginx: Nginx,
  count: number,
  request: { path?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${nginx.port}${request.path ?? '/v1/products'}`, {
      method: request.method ?? 'GET',
      headers: request.headers,
      ...(request.method === 'POST' ? { body: '{}' } : {}),
    });
    answers.push(response.status === 200 ? await response.text() : String(response.status));
  }
  return answers;
}

/** The replicas that answered `count` requests, sorted. */
export async function seenBehind(
  nginx: Nginx,
  count: number,
  request: Parameters<typeof answeredBy>[2] = {},
): Promise<string[]> {
  return [...new Set(await answeredBy(nginx, count, request))].sort();
}
