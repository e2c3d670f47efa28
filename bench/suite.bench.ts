/**
 * The benchmark suite of issue #9 (`npm run bench`, `npm run bench -- --quick`): every
 * scenario beside its baseline from the same run, the scaling curve with its USL fit, and a
 * report in bench/results/<date>.{json,md} (quick runs: <date>-quick.*). See bench/README.md.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT, type AppProcess } from '../test/support/app-process';
import { POSTGRES_ADMIN_URL, replicaUrlOf } from '../test/support/services';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database';
import { CounterReader, counterTotal } from './lib/counters';
import { pidsNamed, startCpuAccounting } from './lib/cpu-accounting';
import { watchLoopCoreTime } from './lib/loop-core-time';
import { fixedWorkMs, fixedWorkMsOnCore } from './lib/core-speed';
import { describeMachine } from './lib/machine';
import { initPgbench } from './lib/pgbench';
import {
  startOtlpSink,
  startPlainOrderWriter,
  startPlainProductReader,
  startPlainServer,
  type OtlpSink,
  type PlainServer,
} from './lib/plain-servers';
import { startPrivateRedis, type PrivateRedis } from './lib/private-redis';
import { pinSelf, reniceProcess, stopChild } from './lib/processes';
import { RESULTS_DIR_PARTS, type BenchResults, type ScalingPoint, type ScenarioResult } from './lib/results';
import { runLoad } from './lib/load';
import { spread } from './lib/stats';
import { deploymentFor, migrate, startTessera } from './suite/deployment';
import { judgeGoals } from './suite/goals';
import { measureScenario } from './suite/measure';
import { suiteOptions } from './suite/options';
import { writeReport } from './suite/report';
import { fitOverConnections, fitOverProcesses, measureScaling } from './suite/scaling';
import { cachedAppScenarios, uncachedScenario, type ScenarioContext } from './suite/scenarios';
import { forgeCustomerTokens, seedBrowseCatalog, seedOrderableProducts } from './suite/seed';
import { summarizeTracing, tracingEnv } from './suite/tracing';
import { measureTracing } from './suite/tracing-runs';
import { browseShape, chooser, loadRequest } from './suite/traffic';
import { runOpenLoop } from './lib/open-loop';

/** The core the app under test is pinned to, as the plain servers it is compared with are (plain-servers.ts). */
const APP_CORE = 0;

/** identity, catalog, inventory, ordering, payments, notifications: one data source each. */
const MODULE_DATA_SOURCES = 6;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function replicaReachable(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: replicaUrlOf(databaseUrl), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const options = suiteOptions();
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const started = Date.now();
  pinSelf('1');
  const redis: PrivateRedis = await startPrivateRedis();
  const databases: TestDatabase[] = [];
  const plain: PlainServer[] = [];
  let app: AppProcess | undefined;
  let sagaWorker: AppProcess | undefined;
  let counters: CounterReader | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const server of plain) await stopChild(server.child as ChildProcess);
      await app?.stop();
      await sagaWorker?.stop();
      await counters?.close();
      await redis.stop();
      for (const db of databases) await db.drop().catch(() => undefined);
    })());
  // A suite stopped by a signal stops what it started: servers left running would load the next run.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`${signal}: stopping the servers and dropping the databases`);
      void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  try {
    const machine = await describeMachine(POSTGRES_ADMIN_URL, redis.url);
    log(`machine: ${machine.cpus} × ${machine.model}, load ${machine.loadAverageAtStart}`);
    const db = await createTestDatabase('bench_suite');
    databases.push(db);
    const pgbenchDb = await createTestDatabase('bench_pgbench');
    databases.push(pgbenchDb);
    initPgbench(pgbenchDb.url);
    const deployment = deploymentFor(db.url, { REDIS_URL: redis.url, QUEUE_PREFIX: 'bench' });
    migrate(deployment);
    const catalog = await seedBrowseCatalog(db.url, options.products);
    log(`seeded ${catalog.productIds.length} browse products`);
    // --saga-process: the shape of a replicated deployment, API replicas apart from workers.
    // The workers and relays (the saga) get a process of their own, not pinned, so the pinned
    // process only accepts requests.
    const apiOnly: { env?: NodeJS.ProcessEnv } = options.sagaProcess ? { env: { APP_ROLES: 'api' } } : {};
    app = await startTessera(deployment, { cores: String(APP_CORE), ...apiOnly });
    // Its sandbox provider sends webhooks to the API process, as a split deployment points
    // PAYMENT_SANDBOX_WEBHOOK_URL at its load balancer: this process serves no such route.
    sagaWorker = options.sagaProcess
      ? await startTessera(deployment, {
          env: {
            APP_ROLES: 'worker,relay',
            PAYMENT_SANDBOX_WEBHOOK_URL: `${app.url}/v1/payments/webhooks/sandbox`,
          },
          nodeArgs: options.sagaCpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.sagaCpuProfileDir] : [],
        })
      : undefined;
    if (sagaWorker?.child.pid && options.sagaNice !== undefined) reniceProcess(sagaWorker.child.pid, options.sagaNice);
    counters = await CounterReader.open(db.url, redis.url);
    const pidOf = (tessera: AppProcess | undefined) => (tessera?.child.pid ? [tessera.child.pid] : []);
    // Requests the app served beside the load: the sandbox provider's webhooks, one per charge
    // the saga makes meanwhile, which the API process answers too.
    const webhooksServed = async () =>
      app
        ? counterTotal(
            await (await fetch(`${app.url}/metrics`)).text(),
            'http_request_duration_seconds_count',
            /route="\/v1\/payments\/webhooks/,
          )
        : 0;
    // Each closed-loop run: did the pinned app have its core, and who else had the machine?
    const watchCores = async () => {
      const coreSpeed = fixedWorkMs();
      const appCoreSpeed = fixedWorkMsOnCore(APP_CORE);
      const webhooksBefore = await webhooksServed();
      const loop = pidOf(app).map(watchLoopCoreTime)[0];
      const machine = startCpuAccounting({
        app: () => pidOf(app),
        ...(sagaWorker ? { saga: () => pidOf(sagaWorker) } : {}),
        postgres: () => pidsNamed('postgres'),
        redis: () => pidsNamed('redis-server'),
        generator: () => [process.pid],
      });
      return {
        stop: async () => {
          const appLoop = loop?.stop();
          const shares = machine.stop();
          const webhooks = (await webhooksServed()) - webhooksBefore;
          return {
            ...(appLoop ? { appLoop } : {}),
            machine: shares,
            fixedWorkMs: coreSpeed,
            appCoreFixedWorkMs: appCoreSpeed,
            webhooks,
          };
        },
      };
    };
    const profilesOrders =
      options.cpuProfileDir !== undefined && ['place-order', 'mixed'].includes(options.cpuProfileScenario);
    const needsOrders = wanted('place-order') || wanted('mixed') || profilesOrders;
    const orderable = needsOrders ? await seedOrderableProducts(app.url, db.url, options.orderableProducts) : [];
    const customers = await forgeCustomerTokens(app.url, deployment.signingKeyPem, options.users);
    const healthBody = await (await fetch(`${app.url}/health/live`)).text();
    const productBody = await (await fetch(`${app.url}/v1/products/${catalog.productIds[0]}`)).text();
    const fastifyHealth = await startPlainServer('fastify', healthBody);
    const nodeHealth = await startPlainServer('node-http', healthBody);
    const fastifyProduct = await startPlainServer('fastify', productBody);
    plain.push(fastifyHealth, nodeHealth, fastifyProduct);
    const orderWriter = wanted('place-order') ? await startPlainOrderWriter(db.url) : undefined;
    if (orderWriter) plain.push(orderWriter);
    const context: ScenarioContext = {
      baseUrl: app.url,
      databaseUrl: db.url,
      pgbenchUrl: pgbenchDb.url,
      connections: options.connections,
      tesseraPids: () => [app, sagaWorker].flatMap((process) => (process?.child.pid ? [process.child.pid] : [])),
      tesseraUrls: () => [app, sagaWorker].flatMap((process) => (process ? [process.url] : [])),
      catalog,
      orderable,
      customers,
      plain: { fastifyHealth, nodeHealth, fastifyProduct, ...(orderWriter ? { orderWriter } : {}) },
    };

    const scenarios: ScenarioResult[] = [];
    for (const spec of cachedAppScenarios(context).filter((s) => wanted(s.name)))
      scenarios.push(await measureScenario(spec, options, counters, watchCores));

    const browse = () => loadRequest([{ kind: 'browse', weight: 1, next: browseShape(catalog) }]);
    const concurrency: ScalingPoint[] = [];
    if (wanted('concurrency'))
      for (const connections of options.concurrencyLevels) {
        const runs = [];
        for (let rep = 0; rep < options.repeat; rep++)
          runs.push(await runLoad({ url: app.url, seconds: options.seconds, connections, requests: [browse()] }));
        const rps = spread(runs.map((r) => r.okRps));
        concurrency.push({
          processes: 1,
          connections,
          rps,
          p99Ms: (runs.find((r) => Math.round(r.okRps * 10) / 10 === rps.median) ?? runs[0]!).latencyMs.p99,
          errors: runs.reduce((t, r) => t + r.errors, 0),
          non2xx: runs.reduce((t, r) => t + r.non2xx, 0),
        });
        log(`concurrency ${connections}: ${Math.round(rps.median)} req/s`);
      }
    for (const server of plain.splice(0)) await stopChild(server.child);
    await app.stop();
    app = undefined;

    // The receiver the tracing runs export to, started once for --tracing and --cpu-prof-tracing.
    let sink: OtlpSink | undefined;
    const otlpSink = async () => {
      if (!sink) plain.push((sink = await startOtlpSink()));
      return sink;
    };

    if (options.cpuProfileDir) {
      // A separate process: profiling slows it, so its figures are not the suite's.
      const profilesMisses = options.cpuProfileScenario === 'product-uncached';
      const tracingSettings = options.cpuProfileTracing
        ? tracingEnv(options.cpuProfileTracing, (await otlpSink()).url)
        : {};
      const profiled = await startTessera(deployment, {
        cores: String(APP_CORE),
        nodeArgs: ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir],
        ...(profilesMisses
          ? { env: { CACHE_TTL_SECONDS: '1', ...tracingSettings } }
          : { env: { ...apiOnly.env, ...tracingSettings } }),
      });
      const profiledContext = { ...context, baseUrl: profiled.url };
      const profiledSpec = profilesMisses
        ? uncachedScenario(profiledContext)
        : cachedAppScenarios(profiledContext).find((s) => s.name === options.cpuProfileScenario);
      if (!profiledSpec) throw new Error(`--cpu-prof-scenario: no scenario ${options.cpuProfileScenario}`);
      // Warm first (caches, JIT, each customer's token verified once): what is worth finding is
      // a warm process's time. The profile covers the warm-up too: skip it in cpuprofile-top.
      const warmup = Math.max(options.warmupSeconds, 5);
      await runLoad({
        url: profiled.url,
        seconds: warmup,
        connections: options.connections,
        requests: [loadRequest(profiledSpec.mix)],
      });
      if (options.cpuProfileRate) {
        log(`profiling at ${options.cpuProfileRate}/s after ${warmup} s of warm-up: skip those in cpuprofile-top`);
        const choose = chooser(profiledSpec.mix);
        const run = await runOpenLoop({
          url: profiled.url,
          seconds: options.seconds,
          connections: options.openLoopConnections,
          rate: options.cpuProfileRate,
          next: () => choose().shape,
        });
        log(`profiled at ${options.cpuProfileRate}/s: p50 ${run.latencyMs.p50} p99 ${run.latencyMs.p99} ms`);
      } else {
        const run = await runLoad({
          url: profiled.url,
          seconds: options.seconds,
          connections: options.connections,
          requests: [loadRequest(profiledSpec.mix)],
        });
        // A profile of requests refused with 4xx shows the error path, not the scenario.
        log(
          `profiled: ${Math.round(run.okRps)} 2xx/s, ${run.non2xx} non-2xx, ${run.errors} errors, ` +
            `after ${warmup} s of warm-up: skip those in cpuprofile-top`,
        );
      }
      await profiled.stop();
      log(`CPU profile of ${profiledSpec.name} written to ${options.cpuProfileDir}`);
    }

    await sagaWorker?.stop();
    sagaWorker = undefined;

    // One Tessera process at a time from here: the variants' saga work stays in their own process.
    const traced = cachedAppScenarios(context)
      .map((s) => s.name)
      .filter(wanted);
    let tracing: BenchResults['tracing'];
    if (options.tracing && traced.length > 0) {
      const runs = await measureTracing({
        deployment,
        context,
        scenarios: traced,
        timing: options,
        sink: await otlpSink(),
        cores: String(APP_CORE),
      });
      tracing = summarizeTracing(runs);
    }

    if (wanted('product-uncached')) {
      app = await startTessera(deployment, { cores: String(APP_CORE), env: { CACHE_TTL_SECONDS: '1' } });
      const reader = await startPlainProductReader(db.url, catalog.productIds[0]!);
      plain.push(reader);
      scenarios.push(
        await measureScenario(
          uncachedScenario({ ...context, baseUrl: app.url }, reader),
          options,
          counters,
          watchCores,
        ),
      );
      await stopChild(plain.pop()!.child);
      await app.stop();
      app = undefined;
    }

    let scalingPoints: ScalingPoint[] = [];
    if (wanted('scaling')) {
      pinSelf('0,1');
      const replicaEnv: NodeJS.ProcessEnv = (await replicaReachable(db.url))
        ? { DATABASE_REPLICA_URLS: replicaUrlOf(db.url) }
        : {};
      scalingPoints = await measureScaling({
        deployment,
        processCounts: options.scalingProcesses,
        connectionLevels: options.scalingConnections,
        seconds: options.scalingSeconds,
        warmupSeconds: options.warmupSeconds,
        repeat: options.repeat,
        request: browse,
        replicaEnv,
      });
    }
    const byProcesses = fitOverProcesses(scalingPoints);
    const byConnections = fitOverConnections(concurrency);
    const partial: Omit<BenchResults, 'goals'> = {
      version: 1,
      date: new Date().toISOString().slice(0, 10),
      quick: options.quick,
      settings: {
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        repeat: options.repeat,
        connections: options.connections,
        openLoopConnections: options.openLoopConnections,
        products: options.products,
        orderableProducts: options.orderableProducts,
        users: options.users,
        databasePoolSize: Number(process.env.DATABASE_POOL_SIZE ?? 8),
        moduleDataSources: MODULE_DATA_SOURCES,
        sagaProcess: options.sagaProcess,
        ...(options.sagaNice !== undefined ? { sagaNice: options.sagaNice } : {}),
      },
      machine,
      scenarios,
      ...(tracing ? { tracing } : {}),
      concurrency,
      scaling: {
        points: scalingPoints,
        ...(byProcesses ? { byProcesses } : {}),
        ...(byConnections ? { byConnections } : {}),
      },
    };
    const results: BenchResults = { ...partial, goals: judgeGoals(partial) };
    // Partial runs (--only) never stand in for a whole one: the planner reads only whole runs.
    const stem = `${results.date}${options.quick ? '-quick' : ''}${options.only ? '-partial' : ''}`;
    const files = await writeReport(results, join(ROOT, ...RESULTS_DIR_PARTS), stem);
    log(`done in ${Math.round((Date.now() - started) / 1000)} s: ${files.join(', ')}`);
    for (const goal of results.goals) log(`goal ${goal.met ? 'met    ' : 'NOT met'}: ${goal.goal}: ${goal.measured}`);
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
