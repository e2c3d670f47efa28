import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { claims, signEdDSA } from '../support/forge-token';
import { freePortOutsideEphemeralRange } from '../support/free-port';
import { queueBackends } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { Nginx } from '../topology/nginx';

/**
 * A rolling restart under load, as an operator runs one: two replicas of the shipped app
 * behind the real nginx (the harness's config, which retries what is safe to retry), 20
 * clients reading products and placing orders (each POST with an Idempotency-Key), and one
 * replica stopped in the middle, then started again for the next run. With SIGTERM no
 * request may fail and the replica must exit 0 soon after its drain delay; with SIGKILL the
 * orders that failed are retried by the client with their key and exist exactly once.
 */

const SHUTDOWN_DELAY_MS = 2000;
const SHUTDOWN_TIMEOUT_MS = 20_000;
/** Room past the drain delay for the in-flight requests, the workers' jobs and closing the pools. */
const EXIT_ALLOWANCE_MS = 4000;
const CLIENTS = 20;
const LOAD_MS = 6000;
/** When the signal goes, after the load started. */
const SIGNAL_AT_MS = 2000;
const PROBLEM_JSON = /^application\/problem\+json/;
/** SIGKILL run: orders sent straight to the replica just before it is killed. */
const DIRECT_ORDERS = 20;
/** ...one every this many ms, the kill in the middle. */
const DIRECT_STAGGER_MS = 10;

interface Outcome {
  readonly kind: 'read' | 'order';
  /** HTTP status, or 0 when the request got no response (reset, refused). */
  readonly status: number;
  readonly contentType?: string;
  /** The stored answer to an earlier request with the same Idempotency-Key. */
  readonly replayed?: boolean;
  readonly error?: string;
  readonly body?: string;
}

interface RunFigures {
  run: number;
  signal: NodeJS.Signals;
  requests: number;
  reads: number;
  orders: number;
  failed: number;
  /** SIGKILL run: orders whose first attempt failed and that the client sent again with their key. */
  retriedByClient: number;
  /** SIGKILL run: of the orders sent straight to the victim as it was killed, those that got no answer. */
  directOrdersFailedByKill?: number;
  /** ...and of those, the ones the victim had placed before it died (the retry got the replay). */
  directOrdersReplayed?: number;
  /** Upstream errors nginx logged during the run (each retried on the other replica when safe), by kind. */
  nginxUpstreamErrors: Record<string, number>;
  /** Requests the stopped replica answered after SIGTERM (it keeps serving while it drains). */
  servedWhileDraining?: number;
  /** The replica's connections when its listener closed: idle keep-alive ones (closed at once), busy ones (closed after their response). */
  connectionsAtClose?: { idle: number; busy: number };
  exitCode: number | null;
  exitMs: number;
}

/** One logical order: its customer (one per order, so its rows can be counted) and its key. */
interface PlacedOrder {
  readonly customerId: string;
  readonly key: string;
  readonly attempts: Outcome[];
}

describe('shutdown under load behind nginx', () => {
  let db: TestDatabase;
  const queues = queueBackends().find((b) => b.name === 'redis')!;
  const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  let mailDir: string;
  let env: NodeJS.ProcessEnv;
  const replicas: AppProcess[] = [];
  let ports: number[];
  let nginx: Nginx;
  let baseUrl: string;
  let productId: string;
  let kid: string;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const figures: RunFigures[] = [];

  const startReplica = (port: number) => startApp({ entry: 'main', port, env, readyTimeoutMs: 60_000 });

  beforeAll(async () => {
    db = await createTestDatabase('shutdown_load');
    mailDir = await mkdtemp(join(tmpdir(), 'tessera-shutdown-mail-'));
    env = {
      DATABASE_URL: db.url,
      ...queues.env(),
      ADMIN_EMAILS: ADMIN_EMAIL,
      AUTH_PRIVATE_KEY: signingKeyPem,
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_DEFAULT: '1000000/60s',
      RATE_LIMIT_AUTH: '1000000/60s',
      MAIL_OUTBOX_DIR: mailDir,
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      RELAY_POLL_MS: '250',
      LOG_LEVEL: 'info',
    };
    // Ports outside the ephemeral range: a restarted replica gets its port back for certain.
    const first = await freePortOutsideEphemeralRange();
    ports = [first, await freePortOutsideEphemeralRange([first])];
    // One after the other: both would run the migrations at once otherwise (they would wait on its lock).
    replicas.push(await startReplica(ports[0]!));
    replicas.push(await startReplica(ports[1]!));
    nginx = await Nginx.start([{ prefix: '/', ports }]);
    baseUrl = `http://127.0.0.1:${nginx.port}`;

    const admin = `Bearer ${(await adminSession(baseUrl)).accessToken}`;
    const json = (method: string, path: string, body: unknown) =>
      fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: admin },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }));
    const category = await json('POST', '/v1/categories', { name: 'Drain', slug: `drain-${randomUUID().slice(0, 8)}` });
    expect(category.status).toBe(201);
    const product = await json('POST', '/v1/products', {
      sku: `DRN-${randomUUID().slice(0, 8)}`,
      name: 'Drain test product',
      description: '',
      categoryId: category.body.id,
      price: { amount: 1500, currency: 'EUR' },
      status: 'active',
    });
    expect(product.status).toBe(201);
    productId = product.body.id;
    kid = ((await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys[0]!
      .kid;
    // Orders can be placed once ordering's copy of the product has it.
    await eventually(
      () => db.query('SELECT 1 FROM ordering.products WHERE product_id = $1', [productId]),
      (rows) => rows.length === 1,
      { what: "ordering's copy of the product", timeoutMs: 30_000 },
    );
  }, 120_000);

  afterAll(async () => {
    agent.destroy();
    await nginx?.stop();
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    await queues.cleanup();
    await db?.drop();
    await rm(mailDir, { recursive: true, force: true });
    if (figures.length > 0) process.stdout.write(`shutdown under load:\n${JSON.stringify(figures, null, 1)}\n`);
  });

  function send(
    kind: Outcome['kind'],
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
    to: { url: string; agent: Agent } = { url: baseUrl, agent },
  ): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = httpRequest(
        `${to.url}${path}`,
        {
          method,
          agent: to.agent,
          headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
          timeout: 30_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({
              kind,
              status: res.statusCode ?? 0,
              contentType: res.headers['content-type'],
              replayed: res.headers['idempotent-replayed'] === 'true',
              ...((res.statusCode ?? 0) >= 300 ? { body: text.slice(0, 300) } : {}),
            }),
          );
          res.on('error', (error) => resolve({ kind, status: 0, error: error.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ kind, status: 0, error: error.code ?? error.message }),
      );
      req.end(body);
    });
  }

  const read = () => send('read', 'GET', `/v1/products/${productId}`, {});

  const orderAttempt = (order: { customerId: string; key: string }, to?: { url: string; agent: Agent }) =>
    send(
      'order',
      'POST',
      '/v1/orders',
      {
        authorization: `Bearer ${signEdDSA(signingKeyPem, claims({ sub: order.customerId, exp: Math.floor(Date.now() / 1000) + 600 }), { kid })}`,
        'idempotency-key': order.key,
      },
      JSON.stringify({ lines: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_ok' }),
      to,
    );

  /** A failure a client may retry with the same key: no answer, a 5xx, or the key still in use. */
  const retryable = (o: Outcome) => o.status === 0 || o.status >= 500 || o.status === 409;

  /** Sends the order again through the balancer, with its key, until it succeeds (or 30 s pass). */
  async function retryUntilPlaced(order: PlacedOrder): Promise<void> {
    const until = Date.now() + 30_000;
    while (retryable(order.attempts.at(-1)!) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      order.attempts.push(await orderAttempt(order));
    }
  }

  /**
   * CLIENTS clients for LOAD_MS, each alternating product reads and order placements. With
   * `retryOrders`, an order whose attempt failed is sent again with its key until it succeeds.
   */
  async function load(retryOrders: boolean): Promise<{ reads: Outcome[]; orders: PlacedOrder[] }> {
    const reads: Outcome[] = [];
    const orders: PlacedOrder[] = [];
    const until = Date.now() + LOAD_MS;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = client; Date.now() < until; i++) {
          if (i % 2 === 0) {
            reads.push(await read());
            continue;
          }
          const order: PlacedOrder = { customerId: randomUUID(), key: randomUUID(), attempts: [] };
          orders.push(order);
          order.attempts.push(await orderAttempt(order));
          if (retryOrders) await retryUntilPlaced(order);
        }
      }),
    );
    return { reads, orders };
  }

  async function ordersPerCustomer(orders: readonly PlacedOrder[]): Promise<Map<string, number>> {
    const rows = await db.query<{ customer_id: string; n: number }>(
      'SELECT customer_id, count(*)::int AS n FROM ordering.orders WHERE customer_id = ANY($1::uuid[]) GROUP BY customer_id',
      [orders.map((o) => o.customerId)],
    );
    return new Map(rows.map((row) => [row.customer_id, row.n]));
  }

  /** nginx's error lines by what happened to the upstream connection. */
  const countKinds = (lines: readonly string[]) => {
    const kinds: Record<string, number> = {};
    for (const line of lines) {
      const kind = /Connection refused/.test(line)
        ? 'refused'
        : /Connection reset/.test(line)
          ? 'reset'
          : /prematurely closed/.test(line)
            ? 'closed'
            : /temporarily disabled/.test(line)
              ? 'disabled'
              : 'other';
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    return kinds;
  };

  const upstreamErrors = async () =>
    (await nginx.errorLog()).split('\n').filter((line) => /upstream/.test(line) && /\[(error|warn)\]/.test(line));

  /** One run: load, the signal to one replica mid-way, its exit timed, then it starts again. */
  async function run(index: number, signal: NodeJS.Signals) {
    const victimIndex = index % 2;
    const victim = replicas[victimIndex]!;
    const errorsBefore = (await upstreamErrors()).length;
    const loaded = load(signal === 'SIGKILL');
    await new Promise((r) => setTimeout(r, SIGNAL_AT_MS));
    // With SIGKILL, some orders also go straight to the victim (no balancer to retry them for the
    // client), sent just before it dies: those that fail are sent again through the balancer.
    const direct: PlacedOrder[] = [];
    let directDone: Promise<unknown> = Promise.resolve();
    if (signal === 'SIGKILL') {
      const to = { url: victim.url, agent: new Agent() };
      for (let i = 0; i < DIRECT_ORDERS; i++)
        direct.push({ customerId: randomUUID(), key: randomUUID(), attempts: [] });
      // Staggered over the moment of the kill: some answered, some cut mid-way, some refused.
      directDone = Promise.all(
        direct.map(async (order, i) => {
          await new Promise((r) => setTimeout(r, DIRECT_STAGGER_MS * i));
          order.attempts.push(await orderAttempt(order, to));
          await retryUntilPlaced(order);
        }),
      );
      await new Promise((r) => setTimeout(r, (DIRECT_STAGGER_MS * DIRECT_ORDERS) / 2));
    }
    const signalledAt = Date.now();
    victim.child.kill(signal);
    const exitCode = await victim.exited();
    const exitMs = Date.now() - signalledAt;
    const loadedResult = await loaded;
    await directDone;
    const reads = loadedResult.reads;
    const orders = [...loadedResult.orders, ...direct];
    const errors = (await upstreamErrors()).slice(errorsBefore);
    replicas[victimIndex] = await startReplica(ports[victimIndex]!);

    const output = victim.output();
    const drainingAt = output.indexOf('"msg":"draining');
    const servedWhileDraining =
      drainingAt < 0
        ? 0
        : output
            .slice(drainingAt)
            .split('\n')
            .filter((l) => l.includes('"msg":"request completed"')).length;
    const closedLine = output.split('\n').find((l) => l.includes('"msg":"http server closed"'));
    const connectionsAtClose = closedLine
      ? (({ idle, busy }: { idle: number; busy: number }) => ({ idle, busy }))(JSON.parse(closedLine))
      : undefined;
    const firstAttempts = orders.map((o) => o.attempts[0]!);
    const failed = [...reads, ...firstAttempts].filter(retryable);
    figures.push({
      run: index + 1,
      signal,
      requests: reads.length + orders.reduce((n, o) => n + o.attempts.length, 0),
      reads: reads.length,
      orders: orders.length,
      failed: failed.length,
      retriedByClient: orders.filter((o) => o.attempts.length > 1).length,
      ...(signal === 'SIGKILL'
        ? {
            directOrdersFailedByKill: direct.filter((o) => retryable(o.attempts[0]!)).length,
            // Placed by the victim before it died, answered to the retry by the other replica's replay.
            directOrdersReplayed: direct.filter((o) => retryable(o.attempts[0]!) && o.attempts.at(-1)!.replayed).length,
          }
        : {}),
      nginxUpstreamErrors: countKinds(errors),
      ...(signal === 'SIGTERM' ? { servedWhileDraining, connectionsAtClose } : {}),
      exitCode,
      exitMs,
    });
    return { victim, reads, orders, direct, failed, exitCode, exitMs, errors, servedWhileDraining };
  }

  it.each([1, 2, 3, 4])(
    'SIGTERM run %i: no request fails, the replica exits 0 within its drain delay plus a few seconds',
    async (n) => {
      const { victim, reads, orders, failed, exitCode, exitMs, errors, servedWhileDraining } = await run(
        n - 1,
        'SIGTERM',
      );
      expect(reads.length).toBeGreaterThan(50);
      expect(orders.length).toBeGreaterThan(50);
      // Every 503 a client could see is problem+json (none is expected at all).
      expect(
        [...reads, ...orders.map((o) => o.attempts[0]!)].filter(
          (o) => o.status === 503 && !PROBLEM_JSON.test(o.contentType ?? ''),
        ),
      ).toEqual([]);
      expect({ failed, nginx: failed.length > 0 ? errors : [] }).toEqual({ failed: [], nginx: [] });
      expect(reads.filter((o) => o.status !== 200)).toEqual([]);
      expect(orders.map((o) => o.attempts[0]!).filter((o) => o.status !== 201)).toEqual([]);
      expect(exitCode).toBe(0);
      expect(exitMs).toBeGreaterThanOrEqual(SHUTDOWN_DELAY_MS);
      expect(exitMs).toBeLessThan(SHUTDOWN_DELAY_MS + EXIT_ALLOWANCE_MS);
      // It went on serving while it drained, and closed its connections without waiting out a timeout.
      expect(servedWhileDraining).toBeGreaterThan(0);
      expect(victim.output()).toContain('"msg":"http server closed"');
      expect(victim.output()).not.toContain('outlived the shutdown timeout');
      // Each order answered 201 exists once.
      const counts = await ordersPerCustomer(orders);
      expect(orders.filter((o) => counts.get(o.customerId) !== 1)).toEqual([]);
    },
    60_000,
  );

  it('SIGKILL run: every order that failed is retried with its key and exists exactly once', async () => {
    const { reads, orders, direct, exitCode } = await run(4, 'SIGKILL');
    expect(exitCode).toBeNull();
    // Some orders sent straight to the victim died with it: the client sent them again.
    expect(direct.filter((o) => o.attempts.length > 1 && retryable(o.attempts[0]!)).length).toBeGreaterThan(0);
    // Reads are idempotent: nginx retries them on the other replica.
    expect(reads.filter((o) => o.status !== 200)).toEqual([]);
    // Every order ends in a 201 (the first answer or its replay), after the client's retries if any.
    expect(orders.filter((o) => o.attempts.at(-1)!.status !== 201)).toEqual([]);
    const counts = await ordersPerCustomer(orders);
    expect(orders.filter((o) => counts.get(o.customerId) !== 1)).toEqual([]);
    expect(orders.length).toBeGreaterThan(50);
  }, 90_000);
});
