import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { parseEntrypoint } from '../../libs/config/entrypoint-flags';
import { ROOT, runToExit, startApp } from '../support/app-process';
import { createTestDatabase } from '../support/test-database';

/**
 * No container engine runs here, so the deployment files are checked the way an engine
 * and a cluster would read them: every YAML parses; compose files against the compose
 * specification; Kubernetes and KEDA objects against their schemas (kubernetes-models);
 * kustomizations reference files that exist; every setting, flag, module and probe path
 * they use exists in the app; nginx accepts its configs; the split topologies run every
 * module and route each of its paths to a process that runs it.
 */
const DOCKER = join(ROOT, 'docker');

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, pattern) : pattern.test(name) ? [path] : [];
  });
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  [key: string]: unknown;
}

function documents(path: string): unknown[] {
  // Compose files use YAML merge keys (<<: *anchor), as Docker Compose resolves them.
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true });
  for (const doc of docs)
    if (doc.errors.length > 0) throw new Error(`${relative(ROOT, path)}: ${doc.errors[0]!.message}`);
  return docs.map((doc) => doc.toJS() as unknown).filter((doc) => doc !== null);
}

const yamlFiles = files(DOCKER, /\.ya?ml$/);
const k8sObjects = files(join(DOCKER, 'k8s'), /\.ya?ml$/).flatMap((path) =>
  documents(path).map((doc) => ({ path, doc: doc as K8sObject })),
);
const composeFiles = ['compose.yml', 'compose.split.yml'].map((name) => join(DOCKER, name));

/** What `node dist/main.js modules` prints for each module (the fields these tests read). */
interface ModuleManifest {
  name: string;
  /** Path prefixes, or nginx regex locations such as `~ ^/v1/orders/[^/]+/payment$`. */
  routes: string[];
}

async function appModules(): Promise<ModuleManifest[]> {
  return JSON.parse((await runToExit({ entry: 'main', args: ['modules'] })).stdout) as ModuleManifest[];
}

/** The model class kubernetes-models (or its KEDA package) provides for an object. */
function modelOf(object: K8sObject): { validate(): void } {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  const path =
    group === 'keda.sh'
      ? `@kubernetes-models/keda/${group}/${version}/${object.kind}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  return new Model(object);
}

/** A container of a Deployment or Job, as far as these tests read it. */
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
}

/** Every container (an object with a name and an image) anywhere in a Kubernetes object. */
function containersOf(value: unknown): Container[] {
  if (Array.isArray(value)) return value.flatMap(containersOf);
  if (!value || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  if (typeof object.image === 'string' && typeof object.name === 'string') return [object as unknown as Container];
  return Object.values(object).flatMap(containersOf);
}

/** The ConfigMaps and Secrets the app's containers load (`envFrom`, `valueFrom`), by name. */
function appConfigSources(): Set<string> {
  const names = new Set<string>();
  for (const container of k8sObjects.flatMap(({ doc }) => containersOf(doc))) {
    if (!container.image.startsWith('tessera')) continue;
    for (const from of container.envFrom ?? []) names.add((from.configMapRef ?? from.secretRef)!.name);
    for (const { valueFrom } of container.env ?? []) {
      const ref = valueFrom?.secretKeyRef ?? valueFrom?.configMapKeyRef;
      if (ref) names.add(ref.name);
    }
  }
  return names;
}

/**
 * Every settings-like name in a compose environment, a ConfigMap/Secret the app loads or a
 * container env (PgBouncer's own ConfigMaps and Secrets are not the app's settings).
 */
function settingNames(): { file: string; name: string }[] {
  const names: { file: string; name: string }[] = [];
  for (const file of composeFiles) {
    const compose = documents(file)[0] as {
      services: Record<string, { image?: string; environment?: Record<string, unknown> }>;
    };
    for (const service of Object.values(compose.services).filter((s) => s.image?.startsWith('tessera'))) {
      for (const name of Object.keys(service.environment ?? {})) names.push({ file, name });
    }
  }
  const appSources = appConfigSources();
  expect([...appSources].sort()).toEqual(['tessera-secrets', 'tessera-settings']);
  for (const { path, doc } of k8sObjects) {
    if ((doc.kind === 'ConfigMap' || doc.kind === 'Secret') && appSources.has(doc.metadata?.name ?? '')) {
      for (const name of Object.keys({ ...(doc.data as object), ...(doc.stringData as object) }))
        names.push({ file: path, name });
    }
    if (doc.kind === 'Kustomization') {
      for (const match of JSON.stringify(doc).matchAll(/\/data\/([A-Z0-9_]+)/g))
        names.push({ file: path, name: match[1]! });
    }
  }
  return names;
}

/** Every argument list given to the app: compose `command`, container `args`. */
function appArgumentLists(): string[][] {
  const lists: string[][] = [];
  for (const file of composeFiles) {
    const compose = documents(file)[0] as { services: Record<string, { image?: string; command?: string[] }> };
    for (const service of Object.values(compose.services))
      if (service.image?.startsWith('tessera') && service.command) lists.push(service.command);
  }
  for (const { doc } of k8sObjects) {
    for (const match of JSON.stringify(doc).matchAll(/"image":"tessera[^"]*"(?:,"args":(\[[^\]]*\]))?/g))
      if (match[1]) lists.push(JSON.parse(match[1]) as string[]);
  }
  return lists;
}

const ALERTS = join(DOCKER, 'prometheus', 'alerts.yml');
const dashboardFiles = files(join(DOCKER, 'grafana', 'dashboards'), /\.json$/);

interface AlertRule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface DashboardPanel {
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string }[];
}

function alertRules(): AlertRule[] {
  return (documents(ALERTS)[0] as { groups: { rules: AlertRule[] }[] }).groups.flatMap((group) => group.rules);
}

/** The anchors of docs/operations.md's headings as GitHub makes them: lower-cased, punctuation dropped, spaces as hyphens. */
function operationsAnchors(): string[] {
  return [...readFileSync(join(ROOT, 'docs/operations.md'), 'utf8').matchAll(/^#+ (.+)$/gm)].map(([, heading]) =>
    heading!
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-'),
  );
}

function dashboardPanels(file: string): DashboardPanel[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { panels: DashboardPanel[] }).panels;
}

/** The connection pools' metrics (`db_pool_*`) the alert rules and dashboards query, a histogram by its own name. */
function dbPoolMetricNames(): string[] {
  const exprs = [
    ...alertRules().map((rule) => rule.expr),
    ...dashboardFiles.flatMap((file) => dashboardPanels(file).flatMap((p) => (p.targets ?? []).map((t) => t.expr))),
  ];
  const names = exprs.flatMap((expr) => [...expr.matchAll(/\bdb_pool_\w+/g)].map(([name]) => name));
  return [...new Set(names.map((name) => name.replace(/_(bucket|count|sum)$/, '')))].sort();
}

describe('deployment files (docker/)', () => {
  it('every YAML file parses', () => {
    expect(yamlFiles.length).toBeGreaterThan(15);
    for (const file of yamlFiles) expect(() => documents(file)).not.toThrow();
  });

  it('both compose files follow the compose specification, and the replicated stack has what it promises', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    // The compose specification's own string formats (numbers pass as they are).
    ajv.addFormat('duration', { type: 'string', validate: /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/ });
    ajv.addFormat('ports', {
      type: 'string',
      validate: /^(([0-9.]+|\[[0-9a-f:]+\]):)?([0-9]+(-[0-9]+)?:)?[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/,
    });
    ajv.addFormat('expose', { type: 'string', validate: /^[0-9]+(-[0-9]+)?(\/(tcp|udp|sctp))?$/ });
    ajv.addFormat('subnet_ip_address', { type: 'string', validate: /^[0-9a-f.:]+\/[0-9]{1,3}$/i });
    const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/schemas/compose-spec.json'), 'utf8')) as object;
    const validate = ajv.compile(schema);
    for (const file of composeFiles) {
      const ok = validate(documents(file)[0]);
      expect({ file: relative(ROOT, file), errors: ok ? [] : validate.errors }).toEqual({
        file: relative(ROOT, file),
        errors: [],
      });
    }
    const replicated = documents(composeFiles[0]!)[0] as {
      services: Record<string, { deploy?: { replicas?: number }; command?: string[] }>;
    };
    expect(replicated.services.app?.deploy?.replicas).toBe(3);
    expect(Object.keys(replicated.services)).toEqual(
      expect.arrayContaining([
        'postgres',
        'postgres-replica',
        'pgbouncer',
        'pgbouncer-replica',
        'redis',
        'migrate',
        'app',
        'nginx',
        'prometheus',
        'grafana',
      ]),
    );
    expect(replicated.services.redis?.command).toEqual(expect.arrayContaining(['noeviction', '--appendonly', 'yes']));
    expect(replicated.services.migrate?.command).toEqual(['migrate']);
  });

  it('both compose stacks trace into a pinned Jaeger, shown in Grafana; Kubernetes takes the endpoint from config', () => {
    for (const file of composeFiles) {
      const compose = documents(file)[0] as {
        services: Record<string, { image?: string; environment?: Record<string, string> }>;
      };
      const jaeger = compose.services.jaeger;
      expect({ file: relative(ROOT, file), image: jaeger?.image }).toEqual({
        file: relative(ROOT, file),
        image: expect.stringMatching(/^jaegertracing\/(all-in-one|jaeger):\d+\.\d+\.\d+$/),
      });
      const apps = Object.entries(compose.services).filter(([, service]) => service.image?.startsWith('tessera'));
      expect(apps.length).toBeGreaterThan(0);
      for (const [name, service] of apps) {
        expect({ name, endpoint: service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT }).toEqual({
          name,
          endpoint: 'http://jaeger:4318',
        });
      }
    }
    const datasources = files(join(DOCKER, 'grafana', 'provisioning', 'datasources'), /\.ya?ml$/).flatMap(
      (file) => (documents(file)[0] as { datasources: { type: string; url: string }[] }).datasources,
    );
    expect(datasources).toContainEqual(expect.objectContaining({ type: 'jaeger', url: 'http://jaeger:16686' }));
    const settings = k8sObjects.find(
      ({ doc }) => doc.kind === 'ConfigMap' && doc.metadata?.name === 'tessera-settings',
    );
    expect(Object.keys((settings?.doc.data as object) ?? {})).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('Kubernetes and KEDA objects validate against their schemas', () => {
    const kinds = new Set<string>();
    for (const { path, doc } of k8sObjects) {
      if (doc.kind === 'Kustomization') continue;
      kinds.add(doc.kind);
      // No schema package for the Prometheus Operator's kinds: k8s.int-spec.ts checks the PodMonitor's fields.
      if (doc.apiVersion.startsWith('monitoring.coreos.com/')) continue;
      try {
        modelOf(doc).validate();
      } catch (error) {
        throw new Error(`${relative(ROOT, path)} (${doc.kind} ${doc.metadata?.name}): ${String(error)}`, {
          cause: error,
        });
      }
    }
    expect([...kinds].sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'Job',
      'Namespace',
      'PodDisruptionBudget',
      'PodMonitor',
      'ScaledObject',
      'Secret',
      'Service',
    ]);
  });

  it('kustomizations reference files that exist, and deployments drain long enough', () => {
    for (const { path, doc } of k8sObjects.filter((o) => o.doc.kind === 'Kustomization')) {
      for (const resource of (doc.resources as string[] | undefined) ?? [])
        expect(existsSync(resolve(dirname(path), resource))).toBe(true);
    }
    for (const { doc } of k8sObjects.filter((o) => o.doc.kind === 'Deployment')) {
      const spec = (
        doc.spec as {
          template: {
            spec: { terminationGracePeriodSeconds: number; containers: { lifecycle?: unknown; resources?: unknown }[] };
          };
        }
      ).template.spec;
      // drain delay (5 s) + preStop (5 s) + SHUTDOWN_TIMEOUT_MS (30 s) must fit in the grace period
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(40);
      expect(spec.containers[0]?.lifecycle).toBeDefined();
      expect(spec.containers[0]?.resources).toBeDefined();
    }
  });

  // Boots the real entrypoint once per argument list in the deployment files, one after the
  // other: on a loaded 2-core machine that alone has taken over a minute.
  it('uses only settings, flags and modules the app knows', async () => {
    // docs/configuration.md lists every setting the code declares (a unit test keeps them equal).
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    const known = new Set([...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1]));
    const modules = (await appModules()).map((m) => m.name);
    const allowed = (name: string) =>
      known.has(name) ||
      ['APP_MODULES', 'APP_ROLES', 'NODE_ENV'].includes(name) ||
      // The OpenTelemetry SDK's own variables (docs/operations.md, "Tracing"), not Tessera's settings.
      /^OTEL_[A-Z0-9_]+$/.test(name) ||
      modules.some((m) => name === `${m.toUpperCase()}_DATABASE_URL`);
    const unknown = settingNames().filter(({ name }) => !allowed(name));
    expect(unknown).toEqual([]);
    const lists = appArgumentLists();
    expect(lists.length).toBeGreaterThan(4);
    for (const args of lists) {
      // The real entrypoint validates them: an unknown flag, module or role exits 2 with --help too.
      const { code, stdout } = await runToExit({
        entry: 'main',
        args: [...args.filter((a) => a !== 'migrate'), '--help'],
      });
      expect({ args, code }).toEqual({ args, code: 0 });
      expect(stdout).toContain('Usage:');
      const moduleFlag = args.indexOf('--modules');
      if (moduleFlag >= 0) for (const name of args[moduleFlag + 1]!.split(',')) expect(modules).toContain(name);
      const roleFlag = args.indexOf('--roles');
      if (roleFlag >= 0)
        for (const role of args[roleFlag + 1]!.split(',')) expect(['api', 'worker', 'relay']).toContain(role);
    }
  }, 240_000);

  it('every probe path answers on the running app, which exports the db_pool_* metrics alerts and dashboards use', async () => {
    const paths = new Set<string>();
    for (const { doc } of k8sObjects)
      for (const match of JSON.stringify(doc).matchAll(/"path":"(\/health\/[a-z]+)"/g)) paths.add(match[1]!);
    const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    for (const match of dockerfile.matchAll(/(\/health\/[a-z]+)/g)) paths.add(match[1]!);
    expect([...paths].sort()).toEqual(['/health/live', '/health/ready', '/health/startup']);
    const db = await createTestDatabase('probes');
    const app = await startApp({ entry: 'main', env: { DATABASE_URL: db.url } });
    try {
      for (const path of paths) expect((await fetch(`${app.url}${path}`)).status).toBe(200);
      const exported = new Set(
        [...(await (await fetch(`${app.url}/metrics`)).text()).matchAll(/^# TYPE (\w+)/gm)].map((m) => m[1]!),
      );
      const used = dbPoolMetricNames();
      expect(used.length).toBeGreaterThan(3);
      expect(used.filter((name) => !exported.has(name))).toEqual([]);
    } finally {
      await app.stop();
      await db.drop();
    }
  });

  it('nginx accepts both load balancer configs', async () => {
    for (const name of ['replicated.conf', 'split.conf']) {
      const dir = await mkdtemp(join(tmpdir(), 'tessera-nginx-check-'));
      try {
        // Compose service names resolve only inside the stack; nginx -t resolves upstream hosts.
        const config = readFileSync(join(DOCKER, 'nginx', name), 'utf8')
          .replace(/server ([a-z-]+):3000/g, 'server 127.0.0.1:3000')
          .replace('/tmp/nginx.pid', join(dir, 'nginx.pid'));
        await writeFile(join(dir, 'nginx.conf'), config);
        const { stderr } = await promisify(execFile)('nginx', [
          '-t',
          '-q',
          '-p',
          dir,
          '-c',
          join(dir, 'nginx.conf'),
          '-e',
          join(dir, 'error.log'),
        ]);
        expect(stderr).toBe('');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('the Dockerfile builds in stages, runs as a non-root user under tini, with a health check and the flags passed through', () => {
    const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/npm prune --omit=dev --omit=optional/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/health\/live/m);
    expect(dockerfile).toMatch(/^EXPOSE 3000$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["tini", "--", "node", "dist\/main.js"\]$/m);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.data', 'test']));
  });
});

/** A process the split files start: its name and the modules and roles its flags select. */
interface Process {
  name: string;
  modules: readonly string[];
  roles: readonly string[];
}

/** The modules and roles the app itself would select for these arguments (defaults included). */
function selection(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  knownModules: readonly string[],
): Process | undefined {
  const command = parseEntrypoint(args, env, knownModules);
  return command.kind === 'serve' ? { name, ...command.selection } : undefined;
}

/** The route's prefix itself and a path below it; for a regex route, a path it matches. */
function samplePaths(route: string): string[] {
  if (!route.startsWith('~')) return [route, `${route.replace(/\/$/, '')}/x`];
  const pattern = route.replace(/^~\*?\s*/, '');
  const sample = pattern
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/\[\^\/\][+*]/g, 'x');
  if (!new RegExp(pattern).test(sample))
    throw new Error(`no sample path for the route "${route}": teach samplePaths() its pattern`);
  return [sample];
}

/**
 * Every module the app lists runs in some process with the api role, some with the worker
 * role and some with the relay role (else its outbox is never delivered).
 */
function coverageProblems(file: string, modules: ModuleManifest[], processes: Process[]): string[] {
  return modules.flatMap((module) =>
    ['api', 'worker', 'relay']
      .filter((role) => !processes.some((p) => p.modules.includes(module.name) && p.roles.includes(role)))
      .map((role) => `${file}: no ${role} deployment runs ${module.name}`),
  );
}

/**
 * Every path of every route of every module reaches processes that all run that module with
 * the api role. `route(path)` names the processes a request for the path reaches, and how
 * (`via`, for the message).
 */
function routingProblems(
  file: string,
  modules: ModuleManifest[],
  route: (path: string) => { via: string; processes: Process[] },
): string[] {
  return modules.flatMap((module) =>
    module.routes.flatMap((prefix) =>
      samplePaths(prefix).flatMap((path) => {
        const target = route(path);
        const wrong = target.processes.filter((p) => !p.modules.includes(module.name) || !p.roles.includes('api'));
        if (target.processes.length > 0 && wrong.length === 0) return [];
        const which =
          target.processes.length === 0
            ? 'runs nothing'
            : `${wrong.length < target.processes.length ? `(${wrong.map((p) => p.name).join(', ')}) ` : ''}does not run ${module.name} with the api role`;
        return [`${file}: ${path} (${module.name} route ${prefix}) goes to ${target.via}, which ${which}`];
      }),
    ),
  );
}

/** nginx's choice of location for a URI: exact, then longest prefix unless `^~`, then the first regex that matches. */
function nginxLocation<L extends { modifier: string; match: string }>(locations: L[], path: string): L | undefined {
  const exact = locations.find((l) => l.modifier === '=' && l.match === path);
  if (exact) return exact;
  const prefix = locations
    .filter((l) => (l.modifier === '' || l.modifier === '^~') && path.startsWith(l.match))
    .sort((a, b) => b.match.length - a.match.length)[0];
  if (prefix?.modifier === '^~') return prefix;
  const regex = locations.find(
    (l) => l.modifier.startsWith('~') && new RegExp(l.match, l.modifier === '~*' ? 'i' : '').test(path),
  );
  return regex ?? prefix;
}

/** Every object a kustomization applies: its resources, following directories to their kustomizations. */
function kustomized(dir: string): K8sObject[] {
  const kustomization = documents(join(dir, 'kustomization.yaml'))[0] as { resources?: string[] };
  return (kustomization.resources ?? []).flatMap((resource) => {
    const path = resolve(dir, resource);
    return statSync(path).isDirectory() ? kustomized(path) : (documents(path) as K8sObject[]);
  });
}

describe('the split deployment files run every module and route its paths to it', () => {
  let modules: ModuleManifest[];
  let known: string[];
  beforeAll(async () => {
    modules = await appModules();
    known = modules.map((m) => m.name);
  });

  function composeProcesses(): Process[] {
    const compose = documents(join(DOCKER, 'compose.split.yml'))[0] as {
      services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string> }>;
    };
    return Object.entries(compose.services).flatMap(([name, service]) => {
      if (!service.image?.startsWith('tessera')) return [];
      return selection(name, service.command ?? [], service.environment ?? {}, known) ?? [];
    });
  }

  it('docker/compose.split.yml and docker/nginx/split.conf', () => {
    const processes = composeProcesses();
    const config = readFileSync(join(DOCKER, 'nginx', 'split.conf'), 'utf8');
    const upstreams = new Map(
      [...config.matchAll(/upstream\s+([\w-]+)\s*\{([^}]*)\}/g)].map(([, name, body]) => [
        name!,
        [...body!.matchAll(/server\s+([\w.-]+):\d+/g)].map((server) => server[1]!),
      ]),
    );
    const locations = [
      ...config.matchAll(/location\s+(?:(=|\^~|~\*?)\s+)?(\S+)\s*\{[^}]*?proxy_pass\s+http:\/\/([\w-]+)/g),
    ].map(([, modifier, match, upstream]) => ({ modifier: modifier ?? '', match: match!, upstream: upstream! }));
    expect(locations.length).toBeGreaterThan(5);

    const problems = [
      ...coverageProblems('docker/compose.split.yml', modules, processes),
      ...routingProblems('docker/nginx/split.conf', modules, (path) => {
        const location = nginxLocation(locations, path);
        if (!location) return { via: 'no location', processes: [] };
        const hosts = upstreams.get(location.upstream) ?? [location.upstream];
        return {
          via: `location ${`${location.modifier} ${location.match}`.trim()} -> upstream ${location.upstream} (${hosts.join(', ')})`,
          processes: hosts.flatMap((host) => processes.filter((p) => p.name === host)),
        };
      }),
    ];
    expect(problems).toEqual([]);
  });

  it('docker/compose.split.yml gives api services the CPU first on a shared host, then the reservation path', () => {
    const compose = documents(join(DOCKER, 'compose.split.yml'))[0] as {
      services: Record<string, { image?: string; command?: string[]; cpu_shares?: number }>;
    };
    const weights = composeProcesses().map((process) => ({
      process: process.name,
      api: process.roles.includes('api'),
      weight: compose.services[process.name]?.cpu_shares ?? 1024,
    }));
    const lightestApi = Math.min(...weights.filter((w) => w.api).map((w) => w.weight));
    expect(weights.filter((w) => !w.api && w.weight >= lightestApi)).toEqual([]);
    expect(weights.filter((w) => !w.api).length).toBeGreaterThan(0);
    // ...and, after them, the reservation path before the rest of the saga.
    const weightOf = (name: string) => weights.find((w) => w.process === name)?.weight;
    expect(weightOf('order-path-worker')).toBeGreaterThan(weightOf('commerce-worker') ?? Infinity);
  });

  it('the Kubernetes split overlay: its Deployments and its Ingress', () => {
    const objects = kustomized(join(DOCKER, 'k8s', 'overlays', 'split'));
    type Deployment = {
      metadata: { name: string };
      spec: {
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: { image: string; args?: string[]; env?: { name: string; value?: string }[] }[] };
        };
      };
    };
    const deployments = objects.filter((o) => o.kind === 'Deployment') as unknown as Deployment[];
    const processes = new Map<Deployment, Process>();
    for (const deployment of deployments) {
      const container = deployment.spec.template.spec.containers.find((c) => c.image.startsWith('tessera'));
      if (!container) continue;
      const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
      const selected = selection(deployment.metadata.name, container.args ?? [], env, known);
      if (selected) processes.set(deployment, selected);
    }
    const services = new Map(
      objects
        .filter((o) => o.kind === 'Service')
        .map((o) => [o.metadata!.name!, (o.spec as { selector: Record<string, string> }).selector]),
    );
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses).toHaveLength(1);
    type Path = { path: string; pathType: string; backend: { service: { name: string } } };
    const paths = (ingresses[0]!.spec as { rules: { http: { paths: Path[] } }[] }).rules.flatMap((r) => r.http.paths);

    /** Kubernetes' rule: Exact before Prefix, the longest match wins, Prefix matches whole path segments. */
    const ingressPath = (path: string): Path | undefined =>
      paths
        .filter((p) =>
          p.pathType === 'Exact'
            ? p.path === path
            : p.path === '/' || path === p.path.replace(/\/$/, '') || path.startsWith(`${p.path.replace(/\/$/, '')}/`),
        )
        .sort(
          (a, b) => Number(b.pathType === 'Exact') - Number(a.pathType === 'Exact') || b.path.length - a.path.length,
        )[0];

    const file = 'docker/k8s/overlays/split';
    const problems = [
      ...coverageProblems(file, modules, [...processes.values()]),
      ...routingProblems(file, modules, (path) => {
        const match = ingressPath(path);
        if (!match) return { via: 'no ingress path', processes: [] };
        const service = match.backend.service.name;
        const selector = services.get(service);
        const backends = [...processes].filter(
          ([deployment]) =>
            selector &&
            Object.entries(selector).every(([key, value]) => deployment.spec.template.metadata.labels[key] === value),
        );
        return {
          via: `ingress path ${match.path} -> Service ${service}${selector ? '' : ' (no such Service)'}`,
          processes: backends.map(([, backend]) => backend),
        };
      }),
    ];
    expect(problems).toEqual([]);
  });
});

/** The host a postgres:// URL names (Compose's `${VAR:-default}` substitutions left out). */
function hostOf(url: string): string {
  return new URL(url.replace(/\$\{[^}]*\}/g, 'x')).hostname;
}

/** An ini file's `key = value` lines, by section. */
function parseIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (line.includes('=')) {
      const at = line.indexOf('=');
      (sections[section] ??= {})[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return sections;
}

const PGBOUNCER_IMAGE = /(^|\/)pgbouncer:/;

/** A PgBouncer as its deployment file configures it. */
interface Bouncer {
  where: string;
  image: string;
  poolMode: string | undefined;
  maxPreparedStatements: number;
  /** Seconds a query waits for a server connection before PgBouncer fails it (default 120). */
  queryWaitTimeout: number;
  /** Seconds PgBouncer waits after a failed server login before the next (default 15). */
  serverLoginRetry: number;
  /** The PostgreSQL host it pools connections to. */
  backend: string | undefined;
}

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
}

function composeServices(file: string): Record<string, ComposeService> {
  return (documents(file)[0] as { services: Record<string, ComposeService> }).services;
}

/** The PgBouncer services of a compose file, by service name (edoburu/pgbouncer writes its ini from these variables). */
function composeBouncers(file: string): Map<string, Bouncer> {
  return new Map(
    Object.entries(composeServices(file))
      .filter(([, service]) => PGBOUNCER_IMAGE.test(service.image ?? ''))
      .map(([name, service]) => {
        const env = service.environment ?? {};
        return [
          name,
          {
            where: `${relative(ROOT, file)} ${name}`,
            image: service.image!,
            poolMode: env.POOL_MODE,
            maxPreparedStatements: Number(env.MAX_PREPARED_STATEMENTS ?? 0),
            queryWaitTimeout: Number(env.QUERY_WAIT_TIMEOUT ?? 120),
            serverLoginRetry: Number(env.SERVER_LOGIN_RETRY ?? 15),
            backend: env.DATABASE_URL ? hostOf(env.DATABASE_URL) : env.DB_HOST,
          },
        ];
      }),
  );
}

/** Kubernetes objects by kind and name, and what a Service selects. */
function k8sIndex(objects: K8sObject[]) {
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const data = (object: K8sObject | undefined): Record<string, string> => ({
    ...((object?.data as Record<string, string> | undefined) ?? {}),
    ...((object?.stringData as Record<string, string> | undefined) ?? {}),
  });
  type Workload = K8sObject & {
    spec: { template: { metadata?: { labels?: Record<string, string> }; spec: { volumes?: unknown[] } } };
  };
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job') as Workload[];
  /** The Deployments a Service routes to. */
  const behind = (serviceName: string): Workload[] => {
    const selector = (find('Service', serviceName)?.spec as { selector?: Record<string, string> } | undefined)
      ?.selector;
    if (!selector) return [];
    return workloads.filter(
      (w) =>
        w.kind === 'Deployment' &&
        Object.entries(selector).every(([key, value]) => w.spec.template.metadata?.labels?.[key] === value),
    );
  };
  /** A container's environment: envFrom first, then env (values and key references). */
  const envOf = (container: Container): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, data(find('ConfigMap', from.configMapRef.name)));
      if (from.secretRef) Object.assign(env, data(find('Secret', from.secretRef.name)));
    }
    for (const { name, value, valueFrom } of container.env ?? []) {
      if (value !== undefined) env[name] = value;
      else if (valueFrom?.secretKeyRef)
        env[name] = data(find('Secret', valueFrom.secretKeyRef.name))[valueFrom.secretKeyRef.key]!;
      else if (valueFrom?.configMapKeyRef)
        env[name] = data(find('ConfigMap', valueFrom.configMapKeyRef.name))[valueFrom.configMapKeyRef.key]!;
    }
    return env;
  };
  /** The PgBouncer a Service routes to, configured by the pgbouncer.ini its pods mount from a ConfigMap. */
  const bouncer = (serviceName: string): Bouncer | undefined => {
    const workload = behind(serviceName).find((w) => containersOf(w).some((c) => PGBOUNCER_IMAGE.test(c.image)));
    if (!workload) return undefined;
    const configMaps = JSON.stringify(workload.spec.template.spec.volumes ?? []).matchAll(
      /"configMap":\{"name":"([^"]+)"/g,
    );
    const iniText = [...configMaps].map(([, name]) => data(find('ConfigMap', name!))['pgbouncer.ini']).find(Boolean);
    const ini = parseIni(iniText ?? '');
    const database = Object.values(ini.databases ?? {})[0];
    return {
      where: `Service ${serviceName} -> Deployment ${workload.metadata?.name}`,
      image: containersOf(workload).find((c) => PGBOUNCER_IMAGE.test(c.image))!.image,
      poolMode: ini.pgbouncer?.pool_mode,
      maxPreparedStatements: Number(ini.pgbouncer?.max_prepared_statements ?? 0),
      queryWaitTimeout: Number(ini.pgbouncer?.query_wait_timeout ?? 120),
      serverLoginRetry: Number(ini.pgbouncer?.server_login_retry ?? 15),
      backend: database ? /(?:^|\s)host=(\S+)/.exec(database)?.[1] : undefined,
    };
  };
  return { workloads, envOf, bouncer };
}

describe('PgBouncer in front of the primary and the replica', () => {
  let known: string[];
  beforeAll(async () => {
    known = (await appModules()).map((m) => m.name);
  });

  const overlays = ['replicated', 'split'].map((name) => ({
    name: `docker/k8s/overlays/${name}`,
    objects: kustomized(join(DOCKER, 'k8s', 'overlays', name)),
  }));

  function allBouncers(): Bouncer[] {
    const fromCompose = composeFiles.flatMap((file) => [...composeBouncers(file).values()]);
    const fromK8s = overlays.flatMap(({ objects }) => {
      const index = k8sIndex(objects);
      return objects
        .filter((o) => o.kind === 'Service')
        .flatMap((service) => index.bouncer(service.metadata!.name!) ?? []);
    });
    return [...fromCompose, ...fromK8s];
  }

  it('every PgBouncer runs one exact version, 1.21 or later, in transaction mode, keeping prepared statements', () => {
    const bouncers = allBouncers();
    // A primary's and a replica's in each compose stack and each overlay.
    expect(bouncers.length).toBeGreaterThanOrEqual(8);
    const images = new Set(bouncers.map((b) => b.image));
    expect(images.size).toBe(1);
    const [image] = [...images];
    // A version tag (edoburu/pgbouncer's are `v<pgbouncer version>-p<build>`), never latest or a bare major.
    const version = /:v?(\d+)\.(\d+)\.(\d+)(-p\d+)?$/.exec(image!);
    expect({ image, pinned: Boolean(version) }).toEqual({ image, pinned: true });
    const [major, minor] = [Number(version![1]), Number(version![2])];
    // Named prepared statements in transaction mode (max_prepared_statements) came with 1.21.
    expect(major > 1 || (major === 1 && minor >= 21)).toBe(true);
    const wrong = bouncers
      .filter((b) => b.poolMode !== 'transaction' || !(b.maxPreparedStatements > 0) || !b.backend)
      .map((b) => b.where);
    expect(wrong).toEqual([]);
  });

  it('every PgBouncer refuses what it cannot serve within seconds, as the app does, and logs in again at once', () => {
    // With the defaults a database restart or failover keeps requests waiting up to 120 s, not
    // answered 503, and PgBouncer tries the server only every 15 s (test/faults/patroni-failover).
    const slow = allBouncers()
      .filter((b) => b.queryWaitTimeout > 5 || b.queryWaitTimeout === 0 || b.serverLoginRetry > 1)
      .map((b) => `${b.where}: query_wait_timeout ${b.queryWaitTimeout}, server_login_retry ${b.serverLoginRetry}`);
    expect(slow).toEqual([]);
  });

  it('in both compose stacks the app pools through PgBouncer, and LISTENs and migrates on PostgreSQL directly', () => {
    for (const file of composeFiles) {
      const services = composeServices(file);
      const bouncers = composeBouncers(file);
      const isPostgres = (host: string) => /^postgres:/.test(services[host]?.image ?? '');
      const problems: string[] = [];
      const apps = Object.entries(services).filter(([, service]) => service.image?.startsWith('tessera'));
      expect(apps.length).toBeGreaterThan(1);
      for (const [name, service] of apps) {
        const where = `${relative(ROOT, file)} ${name}`;
        const env = service.environment ?? {};
        if (!env.DATABASE_URL || !env.DATABASE_DIRECT_URL) {
          problems.push(`${where}: DATABASE_URL and DATABASE_DIRECT_URL must both be set`);
          continue;
        }
        const direct = hostOf(env.DATABASE_DIRECT_URL);
        if (!isPostgres(direct)) problems.push(`${where}: DATABASE_DIRECT_URL names ${direct}, not a postgres service`);
        const pooled = hostOf(env.DATABASE_URL);
        if (service.command?.[0] === 'migrate') {
          if (pooled !== direct) problems.push(`${where}: migrations must run on DATABASE_DIRECT_URL's postgres`);
          continue;
        }
        if (!bouncers.has(pooled)) problems.push(`${where}: DATABASE_URL names ${pooled}, not a pgbouncer service`);
        else if (bouncers.get(pooled)!.backend !== direct)
          problems.push(
            `${where}: ${pooled} pools ${bouncers.get(pooled)!.backend}, DATABASE_DIRECT_URL names ${direct}`,
          );
        // The processes that serve reads read from the replica, through its PgBouncer.
        const roles = selection(name, service.command ?? [], env, known)?.roles ?? [];
        if (!roles.includes('api')) continue;
        const replicas = (env.DATABASE_REPLICA_URLS ?? '').split(',').filter(Boolean).map(hostOf);
        if (replicas.length === 0) problems.push(`${where}: serves reads but has no DATABASE_REPLICA_URLS`);
        for (const host of replicas) {
          const backend = bouncers.get(host)?.backend;
          if (!backend || !isPostgres(backend) || backend === direct)
            problems.push(`${where}: DATABASE_REPLICA_URLS names ${host}, not a pgbouncer in front of a replica`);
        }
      }
      expect(problems).toEqual([]);
    }
  });

  it('in both Kubernetes overlays the app pools through PgBouncer, and LISTENs and migrates on PostgreSQL directly', () => {
    for (const { name: overlay, objects } of overlays) {
      const { workloads, envOf, bouncer } = k8sIndex(objects);
      const problems: string[] = [];
      const apps = workloads.flatMap((w) =>
        containersOf(w)
          .filter((c) => c.image.startsWith('tessera'))
          .map((c) => ({ workload: w, container: c })),
      );
      expect(apps.length).toBeGreaterThan(1);
      for (const { workload, container } of apps) {
        const where = `${overlay}: ${workload.kind} ${workload.metadata?.name}`;
        const env = envOf(container);
        if (!env.DATABASE_URL || !env.DATABASE_DIRECT_URL) {
          problems.push(`${where}: DATABASE_URL and DATABASE_DIRECT_URL must both be set`);
          continue;
        }
        const direct = hostOf(env.DATABASE_DIRECT_URL);
        if (bouncer(direct)) problems.push(`${where}: DATABASE_DIRECT_URL names ${direct}, a PgBouncer`);
        const pooled = hostOf(env.DATABASE_URL);
        if (workload.kind === 'Job') {
          if (pooled !== direct) problems.push(`${where}: migrations must run on DATABASE_DIRECT_URL's database`);
          continue;
        }
        const primary = bouncer(pooled);
        if (!primary) problems.push(`${where}: DATABASE_URL names ${pooled}, not a Service in front of PgBouncer`);
        else if (primary.backend !== direct)
          problems.push(`${where}: ${pooled} pools ${primary.backend}, DATABASE_DIRECT_URL names ${direct}`);
        const roles = selection(workload.metadata!.name!, container.args ?? [], env, known)?.roles ?? [];
        if (!roles.includes('api')) continue;
        const replicas = (env.DATABASE_REPLICA_URLS ?? '').split(',').filter(Boolean).map(hostOf);
        if (replicas.length === 0) problems.push(`${where}: serves reads but has no DATABASE_REPLICA_URLS`);
        for (const host of replicas) {
          const backend = bouncer(host)?.backend;
          if (!backend || backend === direct)
            problems.push(`${where}: DATABASE_REPLICA_URLS names ${host}, not a PgBouncer in front of a replica`);
        }
      }
      expect(problems).toEqual([]);
    }
  });
});

describe('monitoring of the database pools', () => {
  it('the alert TesseraDatabasePoolWaiting fires on db_pool_waiting_requests and links its runbook in docs/operations.md', () => {
    const rule = alertRules().find((r) => r.alert === 'TesseraDatabasePoolWaiting');
    expect(rule).toBeDefined();
    expect(rule!.expr).toMatch(/\bdb_pool_waiting_requests\b/);
    expect(rule!.for).toBeDefined();
    expect(rule!.labels?.severity).toBeTruthy();
    expect(rule!.annotations?.summary).toBeTruthy();
    expect(rule!.annotations?.runbook_url).toBe('docs/operations.md#tesseradatabasepoolwaiting');
    expect(operationsAnchors()).toContain('tesseradatabasepoolwaiting');
  });

  it('every alert links its own runbook, a section of docs/operations.md named after it', () => {
    const rules = alertRules();
    expect(rules.length).toBeGreaterThan(0);
    const anchors = operationsAnchors();
    const missing = rules
      .filter((rule) => {
        const url = rule.annotations?.runbook_url ?? '';
        const anchor = /^docs\/operations\.md#([\w-]+)$/.exec(url)?.[1];
        return anchor !== (rule.alert ?? '').toLowerCase() || !anchors.includes(anchor);
      })
      .map((rule) => `${rule.alert}: ${rule.annotations?.runbook_url ?? 'no runbook_url'}`);
    expect(missing).toEqual([]);
  });

  it('the dashboards chart the pools (busy, max, waiting) and the p99 wait for a connection, in panels that do not overlap', () => {
    expect(dashboardFiles.length).toBeGreaterThan(0);
    const exprs: string[] = [];
    for (const file of dashboardFiles) {
      const panels = dashboardPanels(file);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      const overlapping = panels.flatMap((a, i) =>
        panels
          .slice(i + 1)
          .filter(
            (b) =>
              a.gridPos.x < b.gridPos.x + b.gridPos.w &&
              b.gridPos.x < a.gridPos.x + a.gridPos.w &&
              a.gridPos.y < b.gridPos.y + b.gridPos.h &&
              b.gridPos.y < a.gridPos.y + a.gridPos.h,
          )
          .map((b) => `${relative(ROOT, file)}: "${a.title}" and "${b.title}"`),
      );
      expect(overlapping).toEqual([]);
      exprs.push(...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)));
    }
    for (const metric of ['db_pool_connections_busy', 'db_pool_max_connections', 'db_pool_waiting_requests'])
      expect(exprs.filter((expr) => expr.includes(metric))).not.toEqual([]);
    expect(
      exprs.filter((expr) => /histogram_quantile\(0\.99,.*rate\(db_pool_acquire_seconds_bucket\[/.test(expr)),
    ).not.toEqual([]);
  });
});
