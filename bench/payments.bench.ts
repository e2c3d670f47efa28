/**
 * Payment processing (`npm run bench:payments`): one Tessera process running only the
 * payments module (api for the provider's webhooks, worker for the jobs), pinned to core 0,
 * with the sandbox provider answering after 50 ms (PAYMENT_SANDBOX_LATENCY_MS). For each
 * worker concurrency (WORKER_CONCURRENCY: 1, 10, 50), a backlog of `processing` payments and
 * their charge jobs is queued at once; payments settled per second over `--seconds` is the
 * figure, with the process's CPU use and the database's commits per second beside it to name
 * the limit. Each settled payment has been through the whole path: charge job (attempt, the
 * provider, outcome + outbox event), the sandbox's signed webhook, and the webhook route,
 * which records it as processed without a job when it finds the outcome already applied.
 *
 * Options: --seconds 10 --levels 1,10,50 --pool 5 (DATABASE_POOL_SIZE) --repeat 3 (median, min, max),
 * --cpu-prof DIR
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { ENTRYPOINTS, ROOT } from '../test/support/app-process';
import { freePort } from '../test/support/free-port';
import { REDIS_URL } from '../test/support/services';
import { createTestDatabase } from '../test/support/test-database';
import { queueBackends } from '../test/support/queue-backends';
import { benchArgs } from './bench-args';
import { processTicks } from './lib/cpu-accounting';
import { stopChild as stop, waitFor } from './lib/processes';
import { median } from './lib/stats';

const args = benchArgs();
const SECONDS = Number(args.get('seconds') ?? 10);
const LEVELS = (args.get('levels') ?? '1,10,50').split(',').map(Number);
const PROVIDER_LATENCY_MS = 50;
const POOL_SIZE = Number(args.get('pool') ?? 5);
const REPEAT = Number(args.get('repeat') ?? 3);
/** `--cpu-prof DIR`: the app writes a CPU profile per level there (read it with bench/lib's cpuprofile reader). */
const CPU_PROFILE_DIR = args.get('cpu-prof');

interface LevelResult {
  readonly concurrency: number;
  readonly backlog: number;
  readonly settled: number;
  readonly paymentsPerSecond: number;
  readonly latencyBoundPerSecond: number;
  readonly appCpuCores: number;
  readonly dbCommitsPerSecond: number;
}

const cpuSeconds = (pid: number) => processTicks(pid) / 100;

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_payments');
  const redis = queueBackends().find((b) => b.name === 'redis')!;
  const prefix = redis.env().QUEUE_PREFIX as string;
  const sql = new Client({ connectionString: db.url });
  const report: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    seconds: SECONDS,
    providerLatencyMs: PROVIDER_LATENCY_MS,
    databasePoolSize: POOL_SIZE,
  };
  const runs: LevelResult[] = [];
  let app: ChildProcess | undefined;
  try {
    await sql.connect();
    // Repetitions interleave the levels, so a noisy minute on a shared machine hits all of them.
    for (const concurrency of Array.from({ length: REPEAT }, () => LEVELS).flat()) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      app = spawn(
        'taskset',
        [
          '-c',
          '0',
          process.execPath,
          ...(CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : []),
          ENTRYPOINTS.main,
          '--modules',
          'payments',
          '--roles',
          'api,worker',
        ],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            DATABASE_URL: db.url,
            ...redis.env(),
            PORT: String(port),
            LOG_LEVEL: 'warn',
            RATE_LIMIT_ENABLED: 'false',
            WORKER_CONCURRENCY: String(concurrency),
            DATABASE_POOL_SIZE: String(POOL_SIZE),
            PAYMENT_SANDBOX_LATENCY_MS: String(PROVIDER_LATENCY_MS),
            // Without identity, an api process verifies tokens against identity's keys; the
            // bench calls no authenticated route, so the address is never fetched.
            AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      await waitFor(async () => (await fetch(`${base}/health/ready`)).status === 200, 'the app');

      // A backlog larger than the level can settle in the window.
      const backlog = Math.min(12_000, concurrency * 25 * SECONDS + 200);
      const ids = Array.from({ length: backlog }, () => randomUUID());
      await sql.query(
        `INSERT INTO payments.payments (id, order_id, customer_id, amount, currency, payment_method, provider, status,
                                        version, created_at, updated_at)
         SELECT id, gen_random_uuid(), gen_random_uuid(), 4200, 'EUR', 'pm_card_ok', 'sandbox', 'processing', 1, now(), now()
           FROM unnest($1::uuid[]) AS id`,
        [ids],
      );
      const url = new URL(REDIS_URL);
      const charges = new Queue('payments.charges', {
        prefix,
        connection: { host: url.hostname, port: Number(url.port || 6379) },
      });
      const commitsBefore = Number(
        (await sql.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0]
          .xact_commit,
      );
      const cpuBefore = cpuSeconds(app.pid!);
      const started = Date.now();
      for (let i = 0; i < ids.length; i += 1000) {
        await charges.addBulk(
          ids.slice(i, i + 1000).map((paymentId) => ({
            name: 'charge',
            data: { paymentId },
            opts: { jobId: `charge-${paymentId}`, attempts: 6, removeOnComplete: true },
          })),
        );
      }
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      const elapsed = (Date.now() - started) / 1000;
      const settled = Number(
        (
          await sql.query(
            `SELECT count(*) AS n FROM payments.payments WHERE id = ANY($1::uuid[]) AND status <> 'processing'`,
            [ids],
          )
        ).rows[0].n,
      );
      const cpu = (cpuSeconds(app.pid!) - cpuBefore) / elapsed;
      const commits =
        (Number(
          (await sql.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0]
            .xact_commit,
        ) -
          commitsBefore) /
        elapsed;
      const result: LevelResult = {
        concurrency,
        backlog,
        settled,
        paymentsPerSecond: Math.round((settled / elapsed) * 10) / 10,
        // Ceiling set by the provider's latency alone: concurrency / 50 ms.
        latencyBoundPerSecond: Math.round(concurrency / (PROVIDER_LATENCY_MS / 1000)),
        appCpuCores: Math.round(cpu * 100) / 100,
        dbCommitsPerSecond: Math.round(commits),
      };
      runs.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      await charges.obliterate({ force: true }).catch(() => undefined);
      await charges.close();
      await stop(app);
      app = undefined;
    }
    report.levels = LEVELS.map((concurrency) => {
      const mine = runs.filter((run) => run.concurrency === concurrency);
      const rates = mine.map((run) => run.paymentsPerSecond);
      const byRate = [...mine].sort((a, b) => a.paymentsPerSecond - b.paymentsPerSecond);
      const middle = byRate[Math.floor(byRate.length / 2)]!;
      return {
        concurrency,
        paymentsPerSecond: median(rates),
        min: Math.min(...rates),
        max: Math.max(...rates),
        latencyBoundPerSecond: middle.latencyBoundPerSecond,
        appCpuCores: middle.appCpuCores,
        dbCommitsPerSecond: middle.dbCommitsPerSecond,
      };
    });
    report.repeat = REPEAT;
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const dir = join(ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, `payments-${new Date().toISOString().slice(0, 10)}.json`),
      JSON.stringify(report, null, 2),
    );
  } finally {
    if (app) await stop(app);
    await sql.end().catch(() => undefined);
    await redis.cleanup().catch(() => undefined);
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
