import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pidsNamed, startCpuAccounting } from '../lib/cpu-accounting';
import { runLoad } from '../lib/load';
import { runPgbench } from '../lib/pgbench';
import type { PlainServer } from '../lib/plain-servers';
import type { ScenarioResult } from '../lib/results';
import type { Baseline, ScenarioSpec } from './measure';
import { deliveryJobTotals, everythingDrained, sagaDrained, sagaThroughput } from './saga';
import type { BrowseCatalog } from './seed';
import { browseShape, loadRequest, orderShape, uncachedShape, type KindCounts, type RequestShape } from './traffic';

export interface ScenarioContext {
  readonly baseUrl: string;
  readonly databaseUrl: string;
  readonly pgbenchUrl: string;
  readonly connections: number;
  /** Every Tessera process serving the scenarios (the API process, and the saga's when apart). */
  readonly tesseraPids: () => readonly number[];
  /** The same processes' base URLs (a worker-only process serves health and metrics too). */
  readonly tesseraUrls: () => readonly string[];
  readonly catalog: BrowseCatalog;
  readonly orderable: readonly string[];
  readonly customers: readonly string[];
  readonly plain: {
    readonly fastifyHealth: PlainServer;
    readonly nodeHealth: PlainServer;
    readonly fastifyProduct: PlainServer;
    /** `bench/plain-order-writer.ts`, when place-order runs. */
    readonly orderWriter?: PlainServer;
  };
}

interface OrderCpu {
  readonly since: number;
  readonly accounting: ReturnType<typeof startCpuAccounting>;
}

/** Each group's CPU time over the orders it served: shares of the machine × cores × wall time. */
function cpuPerOrder(cpu: OrderCpu | undefined, orders: number): ScenarioResult['cpuMsPerOrder'] {
  if (!cpu || orders === 0) return undefined;
  const shares = cpu.accounting.stop();
  const machineMs = cpus().length * (performance.now() - cpu.since);
  const perOrder = (share: number) => Math.round(((share * machineMs) / orders) * 100) / 100;
  const tessera = perOrder(shares.tessera ?? 0);
  const postgres = perOrder(shares.postgres ?? 0);
  const redis = perOrder(shares.redis ?? 0);
  return { tessera, postgres, redis, total: Math.round((tessera + postgres + redis) * 100) / 100 };
}

const get = (path: string) => (): RequestShape => ({ method: 'GET', path });

export function httpBaseline(name: string, server: PlainServer, connections: number): Baseline {
  return {
    name,
    unit: 'req/s',
    url: server.url,
    measure: async (seconds) => (await runLoad({ url: `${server.url}/`, seconds, connections })).okRps,
  };
}

/**
 * A plain server doing the scenario's database work (`bench/plain-product-reader.ts`,
 * `bench/plain-order-writer.ts`) under the same kind of requests as the app.
 */
function plainWorkBaseline(name: string, server: PlainServer, connections: number, next: () => RequestShape): Baseline {
  return {
    name,
    unit: 'req/s',
    measure: async (seconds) =>
      (
        await runLoad({
          url: server.url,
          seconds,
          connections,
          requests: [loadRequest([{ kind: 'plain', weight: 1, next }])],
        })
      ).okRps,
  };
}

export function pgbenchBaseline(name: string, url: string, mode: 'select-only' | 'tpcb', clients: number): Baseline {
  return { name, unit: 'TPS', measure: async (seconds) => runPgbench({ url, mode, clients, seconds }) };
}

/** The single-process scenarios, in the order they run against the normally cached app. */
export function cachedAppScenarios(ctx: ScenarioContext): ScenarioSpec[] {
  const c = ctx.connections;
  const fastifyProduct = httpBaseline('plain Fastify, same product JSON', ctx.plain.fastifyProduct, c);
  const browse = browseShape(ctx.catalog);
  const order = orderShape(ctx.orderable, ctx.customers);
  const mixCounts: KindCounts = {};
  let orderSince = new Date();
  let orderCpu: OrderCpu | undefined;
  let jobsBefore: Promise<{ events: number; jobs: number }> | undefined;
  return [
    {
      name: 'health',
      description: '`GET /health/live`: the framework floor every request pays',
      unit: 'req/s',
      orderShare: 0,
      baseUrl: ctx.baseUrl,
      mix: [{ kind: 'health', weight: 1, next: get('/health/live') }],
      baselines: [
        httpBaseline('plain Fastify, same JSON', ctx.plain.fastifyHealth, c),
        httpBaseline('plain node:http, same JSON', ctx.plain.nodeHealth, c),
      ],
    },
    {
      name: 'product-cached',
      description: '`GET /v1/products/:id` of one hot product: a cache hit every time',
      unit: 'req/s',
      orderShare: 0,
      baseUrl: ctx.baseUrl,
      mix: [{ kind: 'product', weight: 1, next: get(`/v1/products/${ctx.catalog.productIds[0]}`) }],
      baselines: [fastifyProduct],
      measureCache: true,
    },
    {
      name: 'catalog-browse',
      description:
        '60 % product pages of a hot 2 % of the catalogue, 30 % first list pages (per category and sort), 10 % product pages anywhere',
      unit: 'req/s',
      orderShare: 0,
      baseUrl: ctx.baseUrl,
      mix: [{ kind: 'browse', weight: 1, next: browse }],
      baselines: [fastifyProduct],
      measureCache: true,
    },
    {
      name: 'place-order',
      description:
        '`POST /v1/orders`, one line, `pm_card_ok`, a fresh Idempotency-Key and a random one of the customers each; ample stock',
      unit: 'orders/s (201)',
      orderShare: 1,
      baseUrl: ctx.baseUrl,
      mix: [{ kind: 'order', weight: 1, next: order }],
      // The saga rate and the CPU per order count every order of the scenario, warm-up included.
      beforeWarmUp: () => {
        orderSince = new Date();
        jobsBefore = deliveryJobTotals(ctx.tesseraUrls());
        orderCpu = {
          since: performance.now(),
          accounting: startCpuAccounting({
            tessera: ctx.tesseraPids,
            postgres: () => pidsNamed('postgres'),
            redis: () => pidsNamed('redis-server'),
          }),
        };
      },
      baselines: [
        pgbenchBaseline(`pgbench TPC-B, ${c} clients`, ctx.pgbenchUrl, 'tpcb', c),
        ...(ctx.plain.orderWriter
          ? [plainWorkBaseline('plain Fastify + node-postgres, same writes', ctx.plain.orderWriter, c, order)]
          : []),
      ],
      baselinesAfter: true,
      afterClosed: async () => {
        const saga = await sagaThroughput(ctx.databaseUrl, orderSince);
        // The CPU window closes as the last order is final; the baselines after it want a quiet machine.
        const figures = { sagaOrdersPerSecond: saga.perSecond, cpuMsPerOrder: cpuPerOrder(orderCpu, saga.orders) };
        await everythingDrained(ctx.baseUrl);
        const [before, after] = await Promise.all([jobsBefore, deliveryJobTotals(ctx.tesseraUrls())]);
        const deliveryJobs = before && { events: after.events - before.events, jobs: after.jobs - before.jobs };
        return { ...figures, ...(deliveryJobs ? { deliveryJobs } : {}) };
      },
      settle: () => sagaDrained(ctx.databaseUrl),
    },
    {
      name: 'mixed',
      description: 'catalog-browse 90 %, place-order 10 %',
      unit: 'req/s',
      orderShare: 0.1,
      baseUrl: ctx.baseUrl,
      mix: [
        { kind: 'browse', weight: 9, next: browse },
        { kind: 'order', weight: 1, next: order },
      ],
      counts: mixCounts,
      baselines: [fastifyProduct],
      baselinesAfter: true,
      measureCache: true,
      afterClosed: async () => {
        await sagaDrained(ctx.databaseUrl);
        return {};
      },
      settle: () => sagaDrained(ctx.databaseUrl),
    },
  ];
}

export function uncachedScenario(ctx: ScenarioContext, plainReader?: PlainServer): ScenarioSpec {
  const c = ctx.connections;
  const walk = uncachedShape(ctx.catalog); // one walk across runs: a new run must not revisit warm ids
  // Its own walk through the same ids: every baseline run reads rows as the app's runs do, none twice in a row.
  const readerWalk = uncachedShape(ctx.catalog);
  return {
    name: 'product-uncached',
    description:
      '`GET /v1/products/:id` walking the whole catalogue in a shuffled order, the app started with `CACHE_TTL_SECONDS=1`, so reads miss the cache',
    unit: 'req/s',
    orderShare: 0,
    baseUrl: ctx.baseUrl,
    mix: [{ kind: 'product', weight: 1, next: walk }],
    baselines: [
      pgbenchBaseline(`pgbench -S, ${c} clients`, ctx.pgbenchUrl, 'select-only', c),
      ...(plainReader
        ? [plainWorkBaseline('plain Fastify + node-postgres, same SELECT', plainReader, c, readerWalk)]
        : []),
    ],
    measureCache: true,
  };
}
