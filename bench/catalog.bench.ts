/**
 * Catalog read path (`npm run bench:catalog`), the app pinned to core 0 and the load generator
 * (autocannon, or pgbench) to core 1, each Tessera figure beside its baseline from the same run:
 *
 * 1. cached `GET /v1/products/:id` (one hot product) vs a plain Fastify server returning the
 *    same JSON;
 * 2. uncached by-id reads (random ids over 20,000 products, `CACHE_TTL_SECONDS=1`, so nearly
 *    every request reads PostgreSQL) vs `pgbench -S` (select-only) at the same client count;
 * 3. p99 of a filtered list page (category, price range, sort by price) at 100 connections.
 *
 * Options: --seconds 8 --connections 10 --repeat 3
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { ENTRYPOINTS, ROOT } from '../test/support/app-process';
import { freePort } from '../test/support/free-port';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database';
import { benchArgs } from './bench-args';
import { initPgbench, runPgbench } from './lib/pgbench';
import { pinnedNode, stopChild as stop, waitForStatus } from './lib/processes';
import { median } from './lib/stats';

const args = benchArgs();
const SECONDS = Number(args.get('seconds') ?? 8);
const CONNECTIONS = Number(args.get('connections') ?? 10);
const REPEAT = Number(args.get('repeat') ?? 3);
const PRODUCTS = 20_000;

async function load(options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ duration: SECONDS, connections: CONNECTIONS, ...options });
}

async function seed(db: TestDatabase): Promise<{ ids: string[]; categoryId: string }> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const categoryId = randomUUID();
    await client.query(`INSERT INTO catalog.categories (id, name, slug, path) VALUES ($1, 'Bench', 'bench', $2)`, [
      categoryId,
      `/${categoryId}/`,
    ]);
    await client.query(
      `INSERT INTO catalog.products (id, sku, name, description, category_id, category_path, price_amount, currency, attributes, status, version, created_at, updated_at)
       SELECT gen_random_uuid(), 'BENCH-' || i, 'Bench product ' || i, 'A product for the benchmark, number ' || i, $1, $2, (i * 37) % 100000, 'EUR', '{}', 'active', 1,
              now() - make_interval(secs => i), now()
         FROM generate_series(1, $3) AS i`,
      [categoryId, `/${categoryId}/`, PRODUCTS],
    );
    await client.query('ANALYZE catalog.products');
    const { rows } = await client.query<{ id: string }>('SELECT id FROM catalog.products');
    return { ids: rows.map((r) => r.id), categoryId };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_catalog');
  const report: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    seconds: SECONDS,
    connections: CONNECTIONS,
    repeat: REPEAT,
  };
  const children: ChildProcess[] = [];
  try {
    const port = await freePort();
    const env = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
      PORT: String(port),
    };
    // Schema first (a short-lived process), then data, then the measured processes.
    execFileSync(process.execPath, [ENTRYPOINTS.main, 'migrate', '--modules', 'catalog'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const { ids, categoryId } = await seed(db);
    const hot = ids[0]!;

    // 1. cached by-id vs plain Fastify with the same body
    const app = pinnedNode('0', [ENTRYPOINTS.main, '--modules', 'catalog', '--roles', 'api'], env);
    children.push(app);
    const base = `http://127.0.0.1:${port}`;
    await waitForStatus(`${base}/health/ready`);
    const body = await (await fetch(`${base}/v1/products/${hot}`)).text();
    const fastifyPort = await freePort();
    const plain = pinnedNode(
      '0',
      [
        '-e',
        `const f=require('fastify')();const b=${JSON.stringify(body)};f.get('/p',(q,r)=>{r.header('content-type','application/json; charset=utf-8');return b});f.listen({port:${fastifyPort},host:'127.0.0.1'})`,
      ],
      {},
    );
    children.push(plain);
    await waitForStatus(`http://127.0.0.1:${fastifyPort}/p`);
    await load({ url: `${base}/v1/products/${hot}`, duration: 3 });
    await load({ url: `http://127.0.0.1:${fastifyPort}/p`, duration: 3 });
    const cached: number[] = [];
    const baseline: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      baseline.push((await load({ url: `http://127.0.0.1:${fastifyPort}/p` })).requests.average);
      cached.push((await load({ url: `${base}/v1/products/${hot}` })).requests.average);
    }
    report.cachedById = {
      tesseraRps: Math.round(median(cached)),
      plainFastifyRps: Math.round(median(baseline)),
      ratio: Math.round((median(cached) / median(baseline)) * 100) / 100,
      runs: { cached, baseline },
    };
    await stop(plain);

    // 3. list page with filters, p99 at 100 connections (cached pages, as browsing is)
    const list = await autocannon({
      url: base,
      connections: 100,
      duration: SECONDS,
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => ({
            ...request,
            path: `/v1/products?category=${categoryId}&minPrice=${1000 * Math.floor(Math.random() * 20)}&maxPrice=90000&sort=price_asc&limit=20`,
          }),
        },
      ],
    });
    report.listPage = {
      rps: Math.round(list.requests.average),
      p50Ms: list.latency.p50,
      p99Ms: list.latency.p99,
      non2xx: list.non2xx,
      errors: list.errors,
    };
    await stop(app);

    // 2. uncached by-id vs pgbench -S at the same client count
    const coldApp = pinnedNode('0', [ENTRYPOINTS.main, '--modules', 'catalog', '--roles', 'api'], {
      ...env,
      CACHE_TTL_SECONDS: '1',
    });
    children.push(coldApp);
    await waitForStatus(`${base}/health/ready`);
    const random = () => ids[Math.floor(Math.random() * ids.length)]!;
    const uncachedRuns: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const result = await load({
        url: base,
        requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/v1/products/${random()}` }) }],
      });
      uncachedRuns.push(result.requests.average);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const missesLine = metrics.split('\n').find((l) => l.startsWith('cache_misses_total{cache="catalog:product"}'));
    await stop(coldApp);
    const pgbenchDb = await createTestDatabase('bench_pgbench');
    try {
      initPgbench(pgbenchDb.url);
      const runs: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        runs.push(runPgbench({ url: pgbenchDb.url, mode: 'select-only', clients: CONNECTIONS, seconds: SECONDS }));
      }
      report.uncachedById = {
        tesseraRps: Math.round(median(uncachedRuns)),
        pgbenchSelectOnlyTps: Math.round(median(runs)),
        ratio: Math.round((median(uncachedRuns) / median(runs)) * 100) / 100,
        cacheMisses: missesLine ? Number(missesLine.split(' ').pop()) : undefined,
        runs: { tessera: uncachedRuns, pgbench: runs },
      };
    } finally {
      await pgbenchDb.drop();
    }
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const dir = join(ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, `catalog-${new Date().toISOString().slice(0, 10)}.json`),
      JSON.stringify(report, null, 2),
    );
  } finally {
    for (const child of children) await stop(child);
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
