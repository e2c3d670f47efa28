/**
 * Where one order's saga goes, hop by hop (docs/decisions/0038).
 *
 *   node dist-test/bench/saga-hops.bench.js [--orders 400 --connections 10 --cpu-prof DIR]
 *
 * One database and one private Redis; an API process and a saga process (workers and relays,
 * the sandbox's webhooks sent to the API process). Two passes of N orders each, every queue
 * drained before and after:
 *
 * 1. **costs**: CPU seconds of the API process, the saga process, the PostgreSQL backends of
 *    this database and the private Redis (`INFO cpu`); commits (`pg_stat_database`); rows
 *    written per table (`pg_stat_user_tables`); Redis commands (`INFO commandstats`); jobs
 *    per queue (each queue's id counter);
 * 2. **attribution**: the same load under Redis `MONITOR`, each command assigned to the queue
 *    its key names (MONITOR costs Redis CPU, so pass 1 is the CPU figure);
 * 3. **baseline**: pgbench TPC-B on a database of its own, as many clients as order
 *    connections, on the same two cores (`--tpcb-seconds`, default 8): orders completed per
 *    second over TPC-B's transactions per second compares runs on machines of different speed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { benchArgs } from './bench-args';
import { processTicks } from './lib/cpu-accounting';
import { initPgbench, runPgbench } from './lib/pgbench';
import { startPrivateRedis } from './lib/private-redis';
import { sleep, waitFor } from './lib/processes';
import { deploymentFor, migrate, startTessera } from './suite/deployment';
import { everythingDrained } from './suite/saga';
import { forgeCustomerTokens, seedOrderableProducts } from './suite/seed';
import { ROOT, type AppProcess } from '../test/support/app-process';
import { createTestDatabase } from '../test/support/test-database';

const args = benchArgs();
const ORDERS = Number(args.get('orders') ?? 400);
const CONNECTIONS = Number(args.get('connections') ?? 10);
const CPU_PROFILE_DIR = args.get('cpu-prof');
const PREFIX = 'hops';
const IDLE_SECONDS = Number(args.get('idle-seconds') ?? 10);
const TPCB_SECONDS = Number(args.get('tpcb-seconds') ?? 8);
let polls = 0;

/** Write and read system calls a process made so far (each Redis command or PostgreSQL round trip is at least one). */
function syscalls(pid: number): { writes: number; reads: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { writes: Number(/syscw: (\d+)/.exec(io)![1]), reads: Number(/syscr: (\d+)/.exec(io)![1]) };
}

interface Snapshot {
  readonly at: number;
  readonly syscalls: Record<string, { writes: number; reads: number }>;
  readonly ticks: Record<string, number>;
  readonly redisCpuSeconds: number;
  readonly redisCommands: Record<string, number>;
  readonly commits: number;
  readonly rows: Record<string, number>;
  readonly jobs: Record<string, number>;
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const db = await createTestDatabase('saga_hops');
  const apps: AppProcess[] = [];
  const redisClient = new Redis(redis.url);
  const sql = new Client({ connectionString: db.url });
  try {
    const deployment = deploymentFor(db.url, { REDIS_URL: redis.url, QUEUE_PREFIX: PREFIX });
    migrate(deployment);
    const api = await startTessera(deployment, { env: { APP_ROLES: 'api' } });
    apps.push(api);
    const saga = await startTessera(deployment, {
      env: { APP_ROLES: 'worker,relay', PAYMENT_SANDBOX_WEBHOOK_URL: `${api.url}/v1/payments/webhooks/sandbox` },
      ...(CPU_PROFILE_DIR ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', CPU_PROFILE_DIR] } : {}),
    });
    apps.push(saga);
    await sql.connect();
    const products = await seedOrderableProducts(api.url, db.url, 5);
    const customers = await forgeCustomerTokens(api.url, deployment.signingKeyPem, 100);
    // A warm-up pass: JIT, pools and prepared statements, so the counted passes are steady.
    await placeOrders(api.url, products, customers, 100);
    await drained(sql, saga.url, api.url);

    const snapshot = async (): Promise<Snapshot> => {
      await sleep(1500); // backends flush their statistics at most once a second
      const pgPids = (
        await sql.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        )
      ).rows.map((r) => r.pid);
      const cpu = await redisClient.info('cpu');
      const num = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(cpu)![1]);
      const stats = await redisClient.info('commandstats');
      const redisCommands: Record<string, number> = {};
      for (const match of stats.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) redisCommands[match[1]!] = Number(match[2]);
      const commits = Number(
        (
          await sql.query<{ n: string }>(
            `SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`,
          )
        ).rows[0]!.n,
      );
      const rows: Record<string, number> = {};
      for (const r of (
        await sql.query<{ t: string; ins: string; upd: string; del: string }>(
          `SELECT schemaname || '.' || relname AS t, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del FROM pg_stat_user_tables`,
        )
      ).rows) {
        rows[`${r.t} ins`] = Number(r.ins);
        rows[`${r.t} upd`] = Number(r.upd);
        rows[`${r.t} del`] = Number(r.del);
      }
      const jobs: Record<string, number> = {};
      for (const key of await redisClient.keys(`${PREFIX}:*:id`))
        jobs[key.split(':')[1]!] = Number(await redisClient.get(key));
      return {
        at: Date.now(),
        syscalls: { api: syscalls(api.child.pid!), saga: syscalls(saga.child.pid!) },
        ticks: {
          api: processTicks(api.child.pid!),
          saga: processTicks(saga.child.pid!),
          postgres: pgPids.reduce((sum, pid) => sum + processTicks(pid), 0),
        },
        redisCpuSeconds: num('used_cpu_sys') + num('used_cpu_user'),
        redisCommands,
        commits,
        rows,
        jobs,
      };
    };

    // What the processes do with no order in flight (sweepers, reconcilers, blocked workers'
    // polls), per second: subtracted from pass 1 for the time it took.
    const idleStart = await snapshot();
    await sleep(IDLE_SECONDS * 1000);
    const idleEnd = await snapshot();

    // Pass 1: costs.
    polls = 0;
    const before = await snapshot();
    const started = Date.now();
    await placeOrders(api.url, products, customers, ORDERS);
    const accepted = Date.now();
    await drained(sql, saga.url, api.url);
    const finished = Date.now();
    const after = await snapshot();
    const pass1Polls = polls;
    // Background over pass 1's time, at the idle window's rate.
    const background = (ia: number, ib: number) => ((ia - ib) / (idleEnd.at - idleStart.at)) * (after.at - before.at);
    const sum = (m: Record<string, number>) => Object.values(m).reduce((x, y) => x + y, 0);
    const corrected = (a: number, b: number, ia: number, ib: number, own = 0) =>
      Math.round(((a - b - background(ia, ib) - own) / ORDERS) * 1000) / 1000;
    const backgroundCorrected = {
      idleSeconds: IDLE_SECONDS,
      cpuMs: {
        api: corrected(
          after.ticks.api! * 10,
          before.ticks.api! * 10,
          idleEnd.ticks.api! * 10,
          idleStart.ticks.api! * 10,
        ),
        saga: corrected(
          after.ticks.saga! * 10,
          before.ticks.saga! * 10,
          idleEnd.ticks.saga! * 10,
          idleStart.ticks.saga! * 10,
        ),
        redis: corrected(
          after.redisCpuSeconds * 1000,
          before.redisCpuSeconds * 1000,
          idleEnd.redisCpuSeconds * 1000,
          idleStart.redisCpuSeconds * 1000,
        ),
      },
      // The bench's own polls are autocommitted transactions too.
      commits: corrected(after.commits, before.commits, idleEnd.commits, idleStart.commits, pass1Polls),
      redisCommands: corrected(
        sum(after.redisCommands),
        sum(before.redisCommands),
        sum(idleEnd.redisCommands),
        sum(idleStart.redisCommands),
      ),
    };
    // The PostgreSQL backends are listed at each end: a backend opened during the pass counts from zero.
    const perOrder = (a: number, b: number) => Math.round(((a - b) / ORDERS) * 1000) / 1000;
    const cpuMs = {
      api: perOrder(after.ticks.api! * 10, before.ticks.api! * 10),
      saga: perOrder(after.ticks.saga! * 10, before.ticks.saga! * 10),
      postgres: perOrder(after.ticks.postgres! * 10, before.ticks.postgres! * 10),
      redis: perOrder(after.redisCpuSeconds * 1000, before.redisCpuSeconds * 1000),
    };
    const diff = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(
        Object.keys(a)
          .map((k) => [k, perOrder(a[k]!, b[k] ?? 0)] as const)
          .filter(([, v]) => v !== 0)
          .sort((x, y) => y[1] - x[1]),
      );

    console.log(`pass 1: ${JSON.stringify({ cpuMs, commits: perOrder(after.commits, before.commits) })}`);
    // Pass 2: attribution of Redis commands to queues.
    // ioredis opens a connection of its own for MONITOR.
    const monitor = await redisClient.monitor();
    const byQueue: Record<string, number> = {};
    const byQueueCommand: Record<string, number> = {};
    const insideScripts: Record<string, number> = {};
    const insideScriptsByCommand: Record<string, number> = {};
    const jobEvents: Record<string, number> = {};
    monitor.on('monitor', (_time: string, argv: string[], source: string) => {
      const command = argv[0]!.toLowerCase();
      const key = argv.find((a) => a.startsWith(`${PREFIX}:`));
      const queue = key ? key.split(':')[1]! : '(no queue key)';
      // MONITOR also shows what a Lua script runs: counted apart from the commands clients send.
      if (source.includes('lua')) {
        insideScripts[queue] = (insideScripts[queue] ?? 0) + 1;
        insideScriptsByCommand[`${queue} ${command}`] = (insideScriptsByCommand[`${queue} ${command}`] ?? 0) + 1;
        // Each job's life is written to its queue's event stream: `added`, `completed`, `delayed`...
        const event = command === 'xadd' ? argv[argv.indexOf('event') + 1] : undefined;
        if (event && argv.includes('event')) jobEvents[`${queue} ${event}`] = (jobEvents[`${queue} ${event}`] ?? 0) + 1;
        return;
      }
      byQueue[queue] = (byQueue[queue] ?? 0) + 1;
      byQueueCommand[`${queue} ${command}`] = (byQueueCommand[`${queue} ${command}`] ?? 0) + 1;
    });
    await sleep(200);
    const before2 = await snapshot();
    await placeOrders(api.url, products, customers, ORDERS);
    await drained(sql, saga.url, api.url);
    const after2 = await snapshot();
    monitor.disconnect();
    const perOrderMap = (m: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(m)
          .map(([k, v]) => [k, Math.round((v / ORDERS) * 100) / 100] as const)
          .sort((x, y) => y[1] - x[1]),
      );

    const result = {
      date: new Date().toISOString(),
      loadAverage: (await import('node:os')).loadavg(),
      orders: ORDERS,
      connections: CONNECTIONS,
      acceptedPerSecond: Math.round((ORDERS / (accepted - started)) * 1000),
      completedPerSecond: Math.round((ORDERS / (finished - started)) * 1000),
      cpuMsPerOrder: {
        ...cpuMs,
        total: Math.round((cpuMs.api + cpuMs.saga + cpuMs.postgres + cpuMs.redis) * 1000) / 1000,
      },
      commitsPerOrder: perOrder(after.commits, before.commits),
      backgroundCorrected,
      syscallsPerOrder: Object.fromEntries(
        (['api', 'saga'] as const).map((name) => [
          name,
          {
            writes: perOrder(after.syscalls[name]!.writes, before.syscalls[name]!.writes),
            reads: perOrder(after.syscalls[name]!.reads, before.syscalls[name]!.reads),
          },
        ]),
      ),
      redisCommandsPerOrder: perOrder(
        Object.values(after.redisCommands).reduce((a, b) => a + b, 0),
        Object.values(before.redisCommands).reduce((a, b) => a + b, 0),
      ),
      redisCommandsByName: diff(after.redisCommands, before.redisCommands),
      jobsPerOrder: diff(after.jobs, before.jobs),
      rowsPerOrder: diff(after.rows, before.rows),
      monitored: {
        jobsPerOrder: diff(after2.jobs, before2.jobs),
        redisCommandsByQueue: perOrderMap(byQueue),
        redisCommandsByQueueAndName: perOrderMap(byQueueCommand),
        redisOperationsInsideScriptsByQueue: perOrderMap(insideScripts),
        redisOperationsInsideScriptsByQueueAndName: perOrderMap(insideScriptsByCommand),
        jobEventsPerOrder: perOrderMap(jobEvents),
      },
    };
    const tpcb = await tpcbBaseline();
    const report = {
      ...result,
      tpcb: { clients: CONNECTIONS, seconds: TPCB_SECONDS, tps: tpcb },
      completedOverTpcb: Math.round((result.completedPerSecond / tpcb) * 10_000) / 10_000,
    };
    await mkdir(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, `bench/results/saga-hops-${result.date.slice(0, 10)}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
    console.log(`written to ${file}`);
  } finally {
    for (const app of apps.reverse()) await app.stop('SIGTERM', 30_000).catch(() => undefined);
    redisClient.disconnect();
    await sql.end().catch(() => undefined);
    await db.drop();
    await redis.stop();
  }
}

/** TPC-B on both cores, the apps idle beside it, as they are between the passes. */
async function tpcbBaseline(): Promise<number> {
  const db = await createTestDatabase('saga_hops_tpcb');
  try {
    initPgbench(db.url);
    return runPgbench({ url: db.url, mode: 'tpcb', clients: CONNECTIONS, seconds: TPCB_SECONDS, cores: '0,1' });
  } finally {
    await db.drop();
  }
}

/** N orders, one line each, `pm_card_ok`, at most CONNECTIONS at a time; every one must be 201. */
async function placeOrders(baseUrl: string, products: string[], customers: string[], count: number): Promise<void> {
  let next = 0;
  const one = async () => {
    while (next < count) {
      const i = next++;
      const response = await fetch(`${baseUrl}/v1/orders`, {
        method: 'POST',
        headers: {
          authorization: customers[i % customers.length]!,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({
          lines: [{ productId: products[i % products.length], quantity: 1 }],
          paymentMethod: 'pm_card_ok',
        }),
      });
      if (response.status !== 201) throw new Error(`order ${i}: ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, one));
}

/** No order mid-saga, then nothing waiting or active on any queue of either process. */
async function drained(sql: Client, ...urls: string[]): Promise<void> {
  await waitFor(
    async () =>
      ++polls > 0 &&
      Number(
        (
          await sql.query<{ n: string }>(
            `SELECT count(*) AS n FROM ordering.orders WHERE status IN ('pending', 'stock_reserved', 'paid')`,
          )
        ).rows[0]!.n,
      ) === 0,
    'the saga to finish every order',
    600_000,
  );
  for (const url of urls) await everythingDrained(url, 600_000);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
