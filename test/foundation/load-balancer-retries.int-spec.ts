import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../support/app-process';
import { Nginx } from '../topology/nginx';

/**
 * What the load balancer configurations retry on another replica when the first one fails
 * the request (a replica killed mid-request, or one that closed a kept-alive connection as
 * the request went out on it): idempotent methods always, a POST only with an
 * Idempotency-Key and only on a route that honours the key. Behind each config: a replica that
 * resets every connection once a request arrives and a healthy one, both kept in the rotation,
 * so every kind of request meets the failing replica first some of the time.
 */

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly probe: string;
  readonly idempotencyKey: string | undefined;
  readonly body: string;
}

/** Accepts connections, reads a request and resets the connection without an answer. */
async function resettingReplica(): Promise<{ server: TcpServer; port: number; probes: Set<string> }> {
  const probes = new Set<string>();
  const server = createTcpServer((socket: Socket) => {
    socket.once('data', (chunk: Buffer) => {
      const probe = /^x-probe:\s*(\S+)/im.exec(chunk.toString('latin1'))?.[1];
      if (probe) probes.add(probe);
      socket.resetAndDestroy();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, probes };
}

/** Answers everything: 201 to a POST, 200 otherwise, and records what it got. */
async function healthyReplica(): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const probe = req.headers['x-probe'];
      if (typeof probe === 'string') {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          probe,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body,
        });
      }
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, seen };
}

/** What the configs proxy to: a service name and port, resolved at run time (`$request_uri` keeps it a variable). */
const SERVICE_PROXY = /proxy_pass http:\/\/([\w-]+):3000\$request_uri;/g;

/**
 * A config of docker/nginx made runnable here: every app service it names sent to an upstream
 * of the two test replicas (both always in the rotation; nginx looks a variable proxy_pass's
 * host up among its upstreams before asking a resolver), its port, pid and temp paths the test's own.
 */
function shippedConfig(name: string, replicas: readonly number[]) {
  const source = readFileSync(join(ROOT, 'docker', 'nginx', name), 'utf8');
  const servers = replicas.map((p) => `server 127.0.0.1:${p} max_fails=0;`).join(' ');
  const upstreams = [...new Set([...source.matchAll(SERVICE_PROXY)].map(([, service]) => service!))]
    .map((service) => `  upstream ${service} { ${servers} }`)
    .join('\n');
  return (port: number, dir: string) => {
    const config = source
      .replace(SERVICE_PROXY, 'proxy_pass http://$1$request_uri;')
      .replace(/resolver [^;]*;/, '')
      .replace('http {', `http {\n${upstreams}`)
      .replace('worker_processes auto;', 'worker_processes 1;')
      .replace('pid /tmp/nginx.pid;', `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\ndaemon off;`)
      .replace('listen 8080;', `listen 127.0.0.1:${port};`)
      .replace(
        'http {',
        `http {\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t === 'client_body' ? 'body' : t};`).join('\n')}`,
      );
    expect(config).toContain(servers);
    expect(config).toContain(`listen 127.0.0.1:${port};`);
    return config;
  };
}

interface Attempt {
  readonly probe: string;
  readonly status: number;
}

describe('load balancer retries', () => {
  let bad: Awaited<ReturnType<typeof resettingReplica>>;
  let good: Awaited<ReturnType<typeof healthyReplica>>;
  beforeAll(async () => {
    bad = await resettingReplica();
    good = await healthyReplica();
  });
  afterAll(async () => {
    await new Promise((resolve) => bad.server.close(resolve));
    good.server.closeAllConnections();
    await new Promise((resolve) => good.server.close(resolve));
  });

  // The path of the requests other than keyed orders: an inventory adjustment with a key is
  // applied twice if sent twice, since only POST /v1/orders honours the key.
  const configs: [string, () => Promise<Nginx>, string][] = [
    [
      'test/topology/nginx.ts (the topology runs)',
      () => Nginx.start([{ prefix: '/', ports: [bad.port, good.port] }], { maxFails: 0 }),
      '/v1/inventory',
    ],
    [
      'docker/nginx/replicated.conf',
      () => Nginx.launch(shippedConfig('replicated.conf', [bad.port, good.port])),
      '/v1/inventory',
    ],
    // A path of each upstream group: every location hands keyed POSTs to its own group.
    [
      'docker/nginx/split.conf (commerce)',
      () => Nginx.launch(shippedConfig('split.conf', [bad.port, good.port])),
      '/v1/inventory',
    ],
    [
      'docker/nginx/split.conf (catalog)',
      () => Nginx.launch(shippedConfig('split.conf', [bad.port, good.port])),
      '/v1/products',
    ],
    [
      'docker/nginx/split.conf (default route)',
      () => Nginx.launch(shippedConfig('split.conf', [bad.port, good.port])),
      '/docs',
    ],
  ];

  it('docker/nginx/split.conf: every location hands its keyed POSTs to a location of its own upstream', () => {
    const config = readFileSync(join(ROOT, 'docker', 'nginx', 'split.conf'), 'utf8');
    const named = new Map(
      [...config.matchAll(/location (@[\w-]+) \{[^}]*?proxy_pass http:\/\/([\w-]+)[^;]*;[^}]*?non_idempotent;/g)].map(
        ([, name, upstream]) => [name!, upstream!],
      ),
    );
    const locations = [...config.matchAll(/location (\/\S*) \{([^\n]*)\}\s*$/gm)].map(([, path, body]) => ({
      path: path!,
      upstream: /proxy_pass http:\/\/([\w-]+)[^;]*;/.exec(body!)?.[1],
      keyedTo: /error_page 418 = (@[\w-]+);/.exec(body!)?.[1],
      handsOver: /if \(\$keyed_post\) \{ return 418; \}/.test(body!),
    }));
    expect(locations.length).toBeGreaterThan(5);
    for (const location of locations) {
      expect({ ...location, keyedUpstream: named.get(location.keyedTo ?? '') }).toEqual({
        ...location,
        upstream: expect.any(String),
        handsOver: true,
        keyedUpstream: location.upstream,
      });
    }
  });

  it('each config retries keyed POSTs of exactly the routes whose API document takes an Idempotency-Key', () => {
    type Operation = { parameters?: { name: string; in: string }[] };
    const api = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, Operation>>;
    };
    const posts = Object.entries(api.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([method]) => method === 'post')
        .map(([, operation]) => ({
          route: `POST ${path.replace(/\{[^}]+\}/g, randomUUID())}`,
          takesKey: (operation.parameters ?? []).some(
            (p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
          ),
        })),
    );
    expect(posts.filter((p) => p.takesKey).map((p) => p.route)).toContain('POST /v1/orders');
    expect(posts.filter((p) => !p.takesKey).length).toBeGreaterThan(5);
    const texts: [string, string][] = [
      ...['replicated.conf', 'split.conf'].map((name): [string, string] => [
        name,
        readFileSync(join(ROOT, 'docker', 'nginx', name), 'utf8'),
      ]),
      ['test/topology/nginx.ts', Nginx.config(8080, '/tmp', [{ prefix: '/', ports: [3000] }])],
    ];
    for (const [config, text] of texts) {
      const entries = /map "\$request_method \$uri" \$key_honoured \{([^}]*)\}/.exec(text)?.[1] ?? '';
      const honours = [...entries.matchAll(/^\s*"([^"]+)" 1;$/gm)].map(([, entry]) =>
        entry!.startsWith('~')
          ? (route: string) => new RegExp(entry!.slice(1)).test(route)
          : (route: string) => route === entry,
      );
      expect({ config, entries: honours.length > 0 }).toEqual({ config, entries: true });
      for (const { route, takesKey } of posts)
        expect({ config, route, retried: honours.some((matches) => matches(route)) }).toEqual({
          config,
          route,
          retried: takesKey,
        });
    }
  });

  it.each(configs)(
    '%s: GET and PUT are retried, a keyed POST /v1/orders is retried, other POSTs are not, keyed or not',
    async (_name, launch, path) => {
      const nginx = await launch();
      try {
        const send = async (method: string, to: string, key?: string): Promise<Attempt> => {
          const probe = randomUUID();
          const response = await fetch(`http://127.0.0.1:${nginx.port}${to}?q=a%20b&probe=${probe}`, {
            method,
            headers: {
              'x-probe': probe,
              'content-type': 'application/json',
              ...(key ? { 'idempotency-key': key } : {}),
            },
            ...(method === 'GET' ? {} : { body: JSON.stringify({ probe, text: 'é' }) }),
          });
          await response.arrayBuffer();
          return { probe, status: response.status };
        };
        const other = `${path}/x%2Fy`;
        // Sequential, each kind twice in a row: nginx's round robin (with the retries it makes)
        // sends every other request to the resetting replica first, so each pair meets it once.
        const attempts: Record<string, Attempt[]> = { GET: [], PUT: [], keyedOrder: [], keyed: [], unkeyed: [] };
        for (let i = 0; i < 3; i++) {
          for (let twice = 0; twice < 2; twice++) attempts.GET!.push(await send('GET', other));
          for (let twice = 0; twice < 2; twice++) attempts.PUT!.push(await send('PUT', other));
          for (let twice = 0; twice < 2; twice++)
            attempts.keyedOrder!.push(await send('POST', '/v1/orders', randomUUID()));
          for (let twice = 0; twice < 2; twice++) attempts.keyed!.push(await send('POST', other, randomUUID()));
          for (let twice = 0; twice < 2; twice++) attempts.unkeyed!.push(await send('POST', other));
        }
        const metBad = (list: Attempt[]) => list.filter((a) => bad.probes.has(a.probe));
        const deliveries = (a: Attempt) => good.seen.filter((s) => s.probe === a.probe);
        for (const kind of Object.keys(attempts))
          expect({ kind, metBad: metBad(attempts[kind]!).length > 0 }).toEqual({ kind, metBad: true });

        // Retried: answered by the healthy replica, which got each request exactly once.
        for (const a of [...attempts.GET!, ...attempts.PUT!]) expect(a.status).toBe(200);
        for (const a of attempts.keyedOrder!) expect(a.status).toBe(201);
        for (const a of [...attempts.GET!, ...attempts.PUT!, ...attempts.keyedOrder!])
          expect(deliveries(a)).toHaveLength(1);
        // Not retried: a POST that reached the failing replica is a 502 and went nowhere else,
        // with or without a key its route ignores.
        for (const kind of ['keyed', 'unkeyed']) {
          for (const a of metBad(attempts[kind]!))
            expect({ kind, ...a, deliveries: deliveries(a).length }).toEqual({
              kind,
              ...a,
              status: 502,
              deliveries: 0,
            });
          for (const a of attempts[kind]!.filter((u) => !bad.probes.has(u.probe))) expect(a.status).toBe(201);
        }

        // The retried POST reached the replica as sent: method, raw URI, headers and body.
        const [retried] = metBad(attempts.keyedOrder!);
        const delivered = deliveries(retried!)[0]!;
        expect(delivered).toEqual({
          method: 'POST',
          url: `/v1/orders?q=a%20b&probe=${retried!.probe}`,
          probe: retried!.probe,
          idempotencyKey: expect.any(String),
          body: JSON.stringify({ probe: retried!.probe, text: 'é' }),
        });
      } finally {
        await nginx.stop();
      }
    },
  );
});
