import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ENTRYPOINTS, ROOT, runToExit, startApp } from '../support/app-process';
import { freePort } from '../support/free-port';
import { queueBackends } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { createTestDatabase } from '../support/test-database';
import { baseMetricName, exportedMetrics, promqlMetricNames } from './promql-names';

/**
 * What operators are sent to must exist: every metric an alert, an autoscaler or the dashboard
 * reads is exported by a running process, and every figure the runbooks name has a panel. And
 * the settings an operator hands over in a file are the ones the process runs with.
 */
const DOCKER = join(ROOT, 'docker');
const DASHBOARD = join(DOCKER, 'grafana', 'dashboards', 'tessera.json');
/** Series Prometheus makes itself for every target: never on /metrics. */
const MADE_BY_PROMETHEUS = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, pattern) : pattern.test(name) ? [path] : [];
  });
}

function yamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { merge: true }).map((doc) => doc.toJS() as unknown);
}

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string }[];
}

interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; query: string | { query: string } }[] };
}

const dashboard = (): Dashboard => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const variableQuery = (v: Dashboard['templating']['list'][number]): string =>
  typeof v.query === 'string' ? v.query : v.query.query;

/** Every PromQL expression the deployment files evaluate, by where it is. */
function expressions(): { where: string; expr: string }[] {
  const alerts = (
    yamlDocuments(join(DOCKER, 'prometheus', 'alerts.yml'))[0] as {
      groups: { rules: { alert?: string; record?: string; expr: string }[] }[];
    }
  ).groups.flatMap((group) =>
    group.rules.map((rule) => ({ where: `alert ${rule.alert ?? rule.record}`, expr: rule.expr })),
  );
  const triggers = files(join(DOCKER, 'k8s'), /\.ya?ml$/).flatMap((path) =>
    yamlDocuments(path)
      .filter((doc): doc is { kind: string; metadata: { name: string }; spec: { triggers?: unknown[] } } => {
        return (doc as { kind?: string } | null)?.kind === 'ScaledObject';
      })
      .flatMap((object) =>
        (object.spec.triggers ?? [])
          .map((trigger) => (trigger as { metadata?: { query?: string } }).metadata?.query)
          .filter((query): query is string => typeof query === 'string')
          .map((expr) => ({ where: `${relative(ROOT, path)} ${object.metadata.name}`, expr })),
      ),
  );
  const board = dashboard();
  const panels = board.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr })),
  );
  // Grafana's label_values(metric{…}, label) names its metric first.
  const variables = board.templating.list.map((v) => ({
    where: `variable ${v.name}`,
    expr: variableQuery(v).replace(/^label_values\((.*),\s*\w+\)$/, '$1'),
  }));
  return [...alerts, ...triggers, ...panels, ...variables];
}

/** The backticked spans of docs/operations.md from "Reading the dashboard" on: the runbooks. */
function runbookSpans(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const from = doc.indexOf('## Reading the dashboard');
  expect(from).toBeGreaterThan(0);
  return [...doc.slice(from).matchAll(/`([^`]+)`/g)].map(([, span]) => span!);
}

describe('PromQL names', () => {
  it('are read out of alert, KEDA and Grafana expressions, leaving functions, keywords and labels out', () => {
    expect(
      promqlMetricNames(
        'sum by (queue) (max by (queue, instance) (queue_jobs{state="waiting"})) > 1000 and deriv(sum by (queue) (queue_jobs[10m:1m])) > 0',
      ),
    ).toEqual(['queue_jobs']);
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(promqlMetricNames('up{job="tessera"} == 0')).toEqual(['up']);
    expect(promqlMetricNames('sum(a_total) / clamp_min(sum(b_total)+c, 1) or vector(0) offset 5m')).toEqual([
      'a_total',
      'b_total',
      'c',
    ]);
    expect(baseMetricName('h_seconds_bucket', new Set(['h_seconds']))).toBe('h_seconds');
    expect(baseMetricName('jobs_count', new Set(['h_seconds']))).toBe('jobs_count');
  });
});

describe('monitoring reads only what a running process exports', () => {
  let exposition = '';

  beforeAll(async () => {
    const db = await createTestDatabase('ops_metrics');
    const queues = queueBackends().find((backend) => backend.name === 'redis')!;
    const app = await startApp({ entry: 'main', env: { DATABASE_URL: db.url, ...queues.env() } });
    try {
      // A request or two, so the HTTP histogram and the cache have series too.
      await fetch(`${app.url}/v1/products?limit=1`);
      await fetch(`${app.url}/v1/categories`);
      exposition = await (await fetch(`${app.url}/metrics`)).text();
    } finally {
      await app.stop();
      await queues.cleanup();
      await db.drop();
    }
  }, 120_000);

  it('every metric an alert, a KEDA trigger or a dashboard panel or variable names is on /metrics', () => {
    const { names, histograms } = exportedMetrics(exposition);
    expect(names.size).toBeGreaterThan(40);
    const read = expressions();
    expect(read.filter((e) => e.where.startsWith('alert')).length).toBeGreaterThan(5);
    expect(read.filter((e) => e.where.startsWith('docker/k8s')).length).toBeGreaterThan(0);
    expect(read.filter((e) => e.where.startsWith('panel')).length).toBeGreaterThan(20);
    const missing = read.flatMap(({ where, expr }) =>
      promqlMetricNames(expr)
        .map((name) => baseMetricName(name, histograms))
        .filter((name) => !names.has(name) && !MADE_BY_PROMETHEUS.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('the Redis clients report their connection, the process its module selection, build and readiness', () => {
    for (const client of ['queue-health', 'cache-bus', 'cache-bus-sub', 'rate-limit']) {
      expect(exposition).toContain(`redis_client_connected{client="${client}"} 1`);
      expect(exposition).toContain(`redis_client_reconnects_total{client="${client}"} 0`);
      expect(exposition).toContain(`redis_client_errors_total{client="${client}"} 0`);
    }
    expect(exposition).toMatch(
      /^tessera_info\{version="0\.1\.0",commit="unknown",modules="identity,[^"]+",roles="api,worker,relay"\} 1$/m,
    );
    for (const module of ['identity', 'catalog', 'inventory', 'ordering', 'payments', 'notifications'])
      expect(exposition).toContain(`tessera_module_info{module="${module}",roles="api,worker,relay"} 1`);
    // Every readiness check, run at the scrape, passes here (no replicas are configured: no check of them).
    for (const check of ['database', 'queues', 'event-consumers'])
      expect(exposition).toContain(`readiness_check_up{check="${check}"} 1`);
  });

  it('every figure the runbooks send operators to is exported and has a panel', () => {
    const { names, histograms } = exportedMetrics(exposition);
    const families = new Set([...names].map((name) => name.split('_')[0]!));
    const named = new Set(
      runbookSpans()
        .flatMap((span) => promqlMetricNames(span))
        // `db_pool_*` names a family, not a metric.
        .filter((name) => families.has(name.split('_')[0]!) && name.includes('_') && !name.endsWith('_'))
        .map((name) => baseMetricName(name, histograms)),
    );
    for (const expected of [
      'db_pool_waiting_requests',
      'queue_jobs',
      'process_cpu_seconds_total',
      'redis_client_reconnects_total',
    ])
      expect(named).toContain(expected);
    expect([...named].filter((name) => !names.has(name))).toEqual([]);
    // A panel's query, or a variable's: tessera_module_info is read by the module and instance pickers.
    const charted = new Set(
      expressions()
        .filter(({ where }) => where.startsWith('panel') || where.startsWith('variable'))
        .flatMap(({ expr }) => promqlMetricNames(expr))
        .map((name) => baseMetricName(name, histograms)),
    );
    expect([...named].filter((name) => !charted.has(name))).toEqual([]);
  });
});

/** The samples of `metric` on a /metrics page: their labels (sorted into a `k="v",…` key) and values. */
function samplesOf(exposition: string, metric: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const [, labels = '', value] of exposition.matchAll(new RegExp(`^${metric}(?:\\{(.*)\\})? (\\S+)$`, 'gm')))
    samples.set(labels.split(',').sort().join(','), Number(value));
  return samples;
}

describe('counters the alerts read with increase() start at 0', () => {
  it('a worker process exports a 0 dead-letter series per event it consumes, and a 0 republished one per publisher', async () => {
    const listed = await runToExit({ entry: 'main', args: ['modules'] });
    expect(listed.code).toBe(0);
    const consumes = new Map(
      (JSON.parse(listed.stdout) as { name: string; consumes: string[] }[]).map((m) => [m.name, m.consumes]),
    );
    // The split overlay's order-path-worker, with the worker role only.
    const modules = ['inventory', 'ordering'];
    const db = await createTestDatabase('ops_zero_counters');
    const app = await startApp({
      entry: 'main',
      args: ['--modules', modules.join(','), '--roles', 'worker'],
      env: { DATABASE_URL: db.url, QUEUE_PREFIX: uniqueId('q') },
    });
    let exposition: string;
    try {
      exposition = await (await fetch(`${app.url}/metrics`)).text();
    } finally {
      await app.stop();
      await db.drop();
    }
    const expected = (pairs: [string, string][]) => new Map(pairs.map((labels) => [labels.sort().join(','), 0]));
    const events = modules.flatMap((module) => consumes.get(module)!.map((event) => [module, event] as const));
    expect(events.length).toBeGreaterThan(5);
    expect(samplesOf(exposition, 'events_dead_lettered_total')).toEqual(
      expected(events.map(([module, event]) => [`event="${event}"`, `module="${module}"`])),
    );
    const publishers = [...new Set(events.map(([module, event]) => `${module} ${event.split('.')[0]!}`))];
    expect(samplesOf(exposition, 'events_republished_total')).toEqual(
      expected(
        publishers.map((pair) => {
          const [module, publisher] = pair.split(' ');
          return [`module="${module!}"`, `publisher="${publisher!}"`];
        }),
      ),
    );
  }, 90_000);
});

describe('the dashboard', () => {
  it('filters by instance and module, the instances being those that run the selected modules', () => {
    const board = dashboard();
    const variables = Object.fromEntries(board.templating.list.map((v) => [v.name, variableQuery(v)]));
    expect(variables.module).toBe('label_values(tessera_module_info, module)');
    expect(variables.instance).toBe('label_values(tessera_module_info{module=~"$module"}, instance)');
    const targets = board.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel: panel.title, ...t })));
    expect(targets.filter((t) => !t.expr.includes('instance=~"$instance"')).map((t) => t.panel)).toEqual([]);
    expect(targets.filter((t) => t.expr.includes('$module')).length).toBeGreaterThan(5);
  });

  it('computes the error share and latencies as the alerts do, without probes and scrapes', () => {
    // /health/* and /metrics are in http_request_duration_seconds: readiness answers 503 while a
    // dependency is down, and a scrape of a busy process can take a while.
    const figures = expressions().filter(
      ({ where, expr }) =>
        (where.startsWith('alert') || where.startsWith('panel')) &&
        expr.includes('http_request_duration_seconds') &&
        (expr.includes('status_code=~"5.."') || expr.includes('histogram_quantile')),
    );
    expect(figures.map(({ where }) => where)).toEqual(
      expect.arrayContaining(['alert TesseraHighErrorRate', 'alert TesseraSlowP99', 'panel "Error rate (5xx share)"']),
    );
    const counted = figures.flatMap(({ where, expr }) =>
      [...expr.matchAll(/http_request_duration_seconds_\w+(\{[^}]*\})?/g)]
        .filter(([, selector]) => !selector?.includes('route!~"/health/.*|/metrics"'))
        .map(([selector]) => `${where}: ${selector}`),
    );
    expect(counted).toEqual([]);
  });

  it('has CPU, memory, event-loop lag, payments, webhooks and Redis panels on the metrics that measure them', () => {
    const panels = dashboard().panels.filter((panel) => panel.type !== 'row');
    const chartOf = (title: RegExp): string =>
      panels
        .filter((panel) => title.test(panel.title))
        .flatMap((panel) => (panel.targets ?? []).map((t) => t.expr))
        .join('\n');
    expect(chartOf(/^CPU/)).toContain('rate(process_cpu_seconds_total');
    expect(chartOf(/^Memory/)).toContain('process_resident_memory_bytes');
    expect(chartOf(/^Memory/)).toContain('nodejs_heap_size_used_bytes');
    expect(chartOf(/^Event-loop lag/)).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(chartOf(/^Payments/)).toContain('payment_charges_total');
    expect(chartOf(/^Payment provider/)).toContain('payment_provider_call_duration_seconds_bucket');
    expect(chartOf(/^Webhook deliveries/)).toContain('webhook_deliveries_total');
    expect(chartOf(/^Redis/)).toContain('redis_client_connected');
  });
});

describe('settings from an env file, --version and the image labels', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-env-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts with the settings of the file ENV_FILE names, the environment winning over it', async () => {
    const db = await createTestDatabase('ops_env_file');
    const portInFile = await freePort();
    const file = join(dir, 'tessera.env');
    await writeFile(
      file,
      [
        '# what an operator hands over',
        `DATABASE_URL=${db.url}`,
        'METRICS_TOKEN=from-the-file',
        'TESSERA_COMMIT=0123abc',
        `PORT=${portInFile}`,
        '',
      ].join('\n'),
    );
    // No variable of the file is in the environment but PORT, which startApp sets.
    const app = await startApp({
      entry: 'main',
      env: { ENV_FILE: file, METRICS_TOKEN: undefined, TESSERA_COMMIT: undefined },
    });
    try {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
      const metrics = await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer from-the-file' } });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^tessera_info\{version="0\.1\.0",commit="0123abc",/m);
      await expect(fetch(`http://127.0.0.1:${portInFile}/health/live`)).rejects.toThrow();
    } finally {
      await app.stop();
      await db.drop();
    }
  }, 60_000);

  it('reads .env in the working directory, and stops on an ENV_FILE that is not there', async () => {
    const run = promisify(execFile);
    const env = { PATH: process.env.PATH };
    await writeFile(join(dir, '.env'), 'PORT=not-a-port\n');
    const fromCwd = await run(process.execPath, [ENTRYPOINTS.main], { cwd: dir, env }).catch((e: unknown) => e);
    expect(fromCwd).toMatchObject({ code: 2, stderr: expect.stringContaining('PORT must be an integer') });
    const missing = join(dir, 'missing.env');
    const named = await run(process.execPath, [ENTRYPOINTS.main], {
      cwd: dir,
      env: { ...env, ENV_FILE: missing },
    }).catch((e: unknown) => e);
    expect(named).toMatchObject({ code: 2, stderr: expect.stringContaining(`tessera: ENV_FILE: ENOENT`) });
  }, 30_000);

  it('--version prints the version and the commit, and exits 0', async () => {
    const plain = await runToExit({ entry: 'main', args: ['--version'], env: { TESSERA_COMMIT: undefined } });
    expect(plain).toMatchObject({ code: 0, stdout: 'tessera 0.1.0 (commit unknown)\n' });
    const built = await runToExit({ entry: 'main', args: ['--version'], env: { TESSERA_COMMIT: '9f8e7d6' } });
    expect(built).toMatchObject({ code: 0, stdout: 'tessera 0.1.0 (commit 9f8e7d6)\n' });
  });

  it('the image carries the OCI labels and the commit, from build arguments', () => {
    const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const args = new Set([...runtime.matchAll(/^ARG (\w+)/gm)].map(([, name]) => name!));
    const labels = Object.fromEntries(
      [...runtime.matchAll(/(org\.opencontainers\.image\.\w+)="([^"]*)"/g)].map(([, key, value]) => [key!, value!]),
    );
    for (const [label, arg] of [
      ['version', 'TESSERA_VERSION'],
      ['revision', 'TESSERA_COMMIT'],
      ['created', 'CREATED'],
      ['source', 'SOURCE'],
    ]) {
      expect(labels[`org.opencontainers.image.${label}`]).toBe(`\${${arg}}`);
      expect(args).toContain(arg);
    }
    expect(labels['org.opencontainers.image.title']).toBe('tessera');
    const { license } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(labels['org.opencontainers.image.licenses']).toBe(license);
    expect(runtime).toMatch(/^LABEL /m);
    expect(runtime).toMatch(/^ENV TESSERA_COMMIT=\$\{TESSERA_COMMIT\}$/m);
  });
});
