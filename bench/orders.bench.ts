/**
 * Order placement (`npm run bench:orders`): one Tessera process with every role (api, worker,
 * relay) pinned to core 0, the load generator (autocannon, then pgbench) to core 1.
 *
 * 1. peak: closed loop, `--connections` clients posting `POST /v1/orders` (a distinct
 *    `Idempotency-Key` per request, 1,000 customers, 50 products with ample stock), accepted
 *    orders (201) per second, beside pgbench's TPC-B TPS at the same client count;
 * 2. saga latency: for `--seconds` at half the peak rate (autocannon's overall rate), the
 *    time from each order's insert (its 201) to ordering taking its `StockReserved` from
 *    its inbox (the `stock_reserved` transition commits with it), p50/p99.
 *
 * Options: --seconds 8 --connections 10 --repeat 3 --saga-rate N (default: half the peak)
 *   --deployment one-process (default) | split-saga: the API (every module, role api) pinned
 *   to core 0; the reservation path's workers and relays (inventory, ordering) in a process
 *   of their own; every other module's workers and relays in a third, at niceness 19. That is
 *   the split deployment with the order path given the CPU first (docs/operations.md, "Scaling").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { ENTRYPOINTS, ROOT } from '../test/support/app-process';
import { claims, signEdDSA } from '../test/support/forge-token';
import { freePort } from '../test/support/free-port';
import { ADMIN_EMAIL, adminSession } from '../test/support/sessions';
import { createTestDatabase } from '../test/support/test-database';
import { queueBackends } from '../test/support/queue-backends';
import { benchArgs } from './bench-args';
import { initPgbench, runPgbench } from './lib/pgbench';
import { stopChild as stop, waitFor } from './lib/processes';
import { median, percentile } from './lib/stats';
import { eventsDrained, sagaDrained } from './suite/saga';

const args = benchArgs();
const SECONDS = Number(args.get('seconds') ?? 8);
const CONNECTIONS = Number(args.get('connections') ?? 10);
const REPEAT = Number(args.get('repeat') ?? 3);
const SAGA_RATE = args.get('saga-rate') ? Number(args.get('saga-rate')) : undefined;
const DEPLOYMENT = args.get('deployment') ?? 'one-process';
if (DEPLOYMENT !== 'one-process' && DEPLOYMENT !== 'split-saga')
  throw new Error(`--deployment: one-process or split-saga, not ${DEPLOYMENT}`);
const RESERVATION_PATH = 'inventory,ordering';
const REST_OF_SAGA = 'identity,catalog,payments,notifications';
const PRODUCTS = 50;
const CUSTOMERS = 1000;

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_orders');
  const redis = queueBackends().find((b) => b.name === 'redis')!;
  const report: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    seconds: SECONDS,
    connections: CONNECTIONS,
    repeat: REPEAT,
    deployment: DEPLOYMENT,
  };
  const sql = new Client({ connectionString: db.url });
  const apps: ChildProcess[] = [];
  try {
    const port = await freePort();
    const signingKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const env = {
      DATABASE_URL: db.url,
      ...redis.env(),
      ADMIN_EMAILS: ADMIN_EMAIL,
      AUTH_PRIVATE_KEY: signingKey,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      PORT: String(port),
    };
    const base = `http://127.0.0.1:${port}`;
    const launch = (command: string, argv: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
      const child = spawn(command, [...argv], {
        cwd: ROOT,
        env: { ...process.env, ...env, ...extraEnv },
        stdio: 'ignore',
      });
      apps.push(child);
      return child;
    };
    if (DEPLOYMENT === 'one-process') {
      launch('taskset', ['-c', '0', process.execPath, ENTRYPOINTS.main]);
    } else {
      launch('taskset', ['-c', '0', process.execPath, ENTRYPOINTS.main, '--roles', 'api']);
      const sagaPorts = [await freePort(), await freePort()];
      launch(process.execPath, [ENTRYPOINTS.main, '--modules', RESERVATION_PATH, '--roles', 'worker,relay'], {
        PORT: String(sagaPorts[0]),
      });
      launch(
        'nice',
        ['-n', '19', process.execPath, ENTRYPOINTS.main, '--modules', REST_OF_SAGA, '--roles', 'worker,relay'],
        {
          PORT: String(sagaPorts[1]),
        },
      );
      for (const sagaPort of sagaPorts)
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${sagaPort}/health/ready`)).status === 200,
          'the saga',
        );
    }
    await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 'the app');
    await sql.connect();

    // Products through the catalog API; ordering and inventory learn them from ProductCreated.
    const admin = `Bearer ${(await adminSession(base)).accessToken}`;
    const category = await (
      await fetch(`${base}/v1/categories`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Bench', slug: `bench-${randomUUID().slice(0, 8)}` }),
      })
    ).json();
    const products: string[] = [];
    for (let i = 0; i < PRODUCTS; i++) {
      const sku = `BENCH-${i}`;
      const created = await fetch(`${base}/v1/products`, {
        method: 'POST',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({
          sku,
          name: `Bench product ${i}`,
          description: '',
          categoryId: (category as { id: string }).id,
          price: { amount: 1000 + i, currency: 'EUR' },
          status: 'active',
        }),
      });
      products.push(((await created.json()) as { id: string }).id);
      const stocked = await fetch(`${base}/v1/inventory/${sku}`, {
        method: 'PUT',
        headers: { authorization: admin, 'content-type': 'application/json' },
        body: JSON.stringify({ onHand: 10_000_000 }),
      });
      if (stocked.status !== 200) throw new Error(`stock for ${sku}: ${stocked.status}`);
    }
    await waitFor(
      async () => Number((await sql.query('SELECT count(*) AS n FROM ordering.products')).rows[0].n) === PRODUCTS,
      "ordering's product projection",
    );

    const kid = ((await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys[0]!
      .kid;
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const customers = Array.from(
      { length: CUSTOMERS },
      () => `Bearer ${signEdDSA(signingKey, claims({ sub: randomUUID(), exp }), { kid })}`,
    );
    const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
    const orderRequest: autocannon.Request = {
      method: 'POST',
      path: '/v1/orders',
      setupRequest: (request) => ({
        ...request,
        headers: {
          'content-type': 'application/json',
          authorization: pick(customers),
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ lines: [{ productId: pick(products), quantity: 1 }], paymentMethod: 'pm_card_ok' }),
      }),
    };
    const run = (options: Partial<autocannon.Options>) =>
      autocannon({ url: base, duration: SECONDS, connections: CONNECTIONS, requests: [orderRequest], ...options });

    // 1. peak, closed loop, vs pgbench TPC-B at the same client count
    await run({ duration: 3 }); // warm-up
    const peakRuns: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const result = await run({});
      peakRuns.push(result['2xx'] / SECONDS);
      if (result.non2xx > 0 || result.errors > 0) report.peakErrors = { non2xx: result.non2xx, errors: result.errors };
    }
    const pgbenchDb = await createTestDatabase('bench_pgbench');
    const tpcbRuns: number[] = [];
    try {
      initPgbench(pgbenchDb.url);
      for (let i = 0; i < REPEAT; i++) {
        tpcbRuns.push(runPgbench({ url: pgbenchDb.url, mode: 'tpcb', clients: CONNECTIONS, seconds: SECONDS }));
      }
    } finally {
      await pgbenchDb.drop();
    }
    const peak = median(peakRuns);
    report.acceptance = {
      acceptedOrdersPerSecond: Math.round(peak),
      pgbenchTpcbTps: Math.round(median(tpcbRuns)),
      ratio: Math.round((peak / median(tpcbRuns)) * 100) / 100,
      runs: { tessera: peakRuns.map(Math.round), pgbench: tpcbRuns.map(Math.round) },
    };

    // Let the saga drain what the peak runs queued before timing it: every order finished and
    // every event they left handled (an inbox is one queue, so a backlog delays the timed orders).
    await sagaDrained(db.url);
    await eventsDrained(base);

    // 2. 201 -> stock_reserved at half the peak rate
    // --saga-rate: a rate of one's choosing, e.g. one the saga can keep up with.
    const rate = SAGA_RATE ?? Math.max(1, Math.round(peak / 2));
    const since = new Date();
    const paced = await run({ overallRate: rate, connections: Math.max(CONNECTIONS, 20) });
    await waitFor(
      async () =>
        Number(
          (
            await sql.query(`SELECT count(*) AS n FROM ordering.orders WHERE status = 'pending' AND created_at >= $1`, [
              since,
            ])
          ).rows[0].n,
        ) === 0,
      'the paced orders to be reserved',
    );
    // The orders go on to paid and confirmed (the payments module charges them), so neither
    // their status nor updated_at still says when they reached stock_reserved: ordering's
    // inbox does, when it took the order's StockReserved (the transition commits with it).
    // The hops say where that time goes, from the rows each step leaves (outbox sent_at is
    // when a relay handed the event to BullMQ; inbox handled_at when a consumer took it).
    const hops = await sql.query<Record<string, number>>(
      `SELECT extract(epoch FROM oi.handled_at - o.created_at) * 1000 AS "total",
              extract(epoch FROM po.sent_at - o.created_at) * 1000 AS "orderingRelay",
              extract(epoch FROM ii.handled_at - po.sent_at) * 1000 AS "toInventory",
              extract(epoch FROM ro.occurred_at - ii.handled_at) * 1000 AS "reservation",
              extract(epoch FROM ro.sent_at - ro.occurred_at) * 1000 AS "inventoryRelay",
              extract(epoch FROM oi.handled_at - ro.sent_at) * 1000 AS "toOrdering"
         FROM ordering.orders o
         JOIN ordering.outbox po ON po.aggregate_id = o.id::text AND po.event_name = 'ordering.order-placed'
         JOIN inventory.inbox ii ON ii.event_id = po.event_id
         JOIN inventory.outbox ro ON ro.aggregate_id = o.id::text AND ro.event_name = 'inventory.stock-reserved'
         JOIN ordering.inbox oi ON oi.event_id = ro.event_id
        WHERE o.created_at >= $1`,
      [since],
    );
    const latencies = hops.rows.map((r) => Number(r.total)).sort((a, b) => a - b);
    const hopP50 = (name: string) =>
      Math.round(
        percentile(
          hops.rows.map((r) => Number(r[name])).sort((a, b) => a - b),
          50,
        ) * 10,
      ) / 10;
    report.sagaLatency = {
      arrivalRatePerSecond: rate,
      accepted: paced['2xx'],
      reserved: latencies.length,
      httpP99Ms: paced.latency.p99,
      reservedP50Ms: Math.round(percentile(latencies, 50)),
      reservedP99Ms: Math.round(percentile(latencies, 99)),
      hopsP50Ms: Object.fromEntries(
        ['orderingRelay', 'toInventory', 'reservation', 'inventoryRelay', 'toOrdering'].map((h) => [h, hopP50(h)]),
      ),
    };

    // Deadlocks PostgreSQL broke in the run (each costs deadlock_timeout and a retry).
    report.deadlocks = Number(
      (await sql.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()')).rows[0].deadlocks,
    );
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const dir = join(ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `orders-${new Date().toISOString().slice(0, 10)}.json`), JSON.stringify(report, null, 2));
  } finally {
    await Promise.all(apps.map((child) => stop(child)));
    await sql.end().catch(() => undefined);
    await redis.cleanup().catch(() => undefined);
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
