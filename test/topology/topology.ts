import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { freePort } from '../support/free-port';
import { ADMIN_EMAIL } from '../support/sessions';
import { replicaUrlOf } from '../support/services';
import { ENTRYPOINTS, startApp, type AppProcess } from '../support/app-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { queueBackends } from '../support/queue-backends';
import { Nginx, type Route } from './nginx';

export const TOPOLOGIES = ['single', 'replicated', 'split'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

/**
 * Where the deployment's database lives: a fresh database on the shared PostgreSQL CI runs
 * (the oldest major supported), or the embedded PostgreSQL `npm start` runs (the newest), for
 * the single process only: it has no replica.
 */
export const E2E_DATABASES = ['shared', 'embedded'] as const;
export type E2eDatabase = (typeof E2E_DATABASES)[number];

export interface RunningTopology {
  readonly topology: Topology;
  readonly baseUrl: string;
  /** The key the deployment signs access tokens with, so tests can forge wrong-but-signed tokens. */
  readonly signingKeyPem: string;
  /** Which PostgreSQL it runs on, e.g. `embedded PostgreSQL 18.1`. */
  readonly database: string;
  readonly processes: readonly AppProcess[];
  /**
   * SIGKILLs every process that runs `module`'s workers (no shutdown, no lock hand-back, as a
   * crash or an OOM kill) and starts each again on its port, resolving once all are ready.
   */
  crashAndRestart(module: string): Promise<number>;
  stop(): Promise<void>;
}

interface Launch {
  readonly options: Parameters<typeof startApp>[0];
  /** The modules whose workers it runs: every module without `--modules`. */
  runsWorkersOf(module: string): boolean;
}

interface ModuleDescription {
  name: string;
  routes: string[];
}

/** The auth-route limit the e2e suite tests against (each test uses its own client address). */
export const E2E_AUTH_RATE_LIMIT = 8;

/** How long a stock reservation lives in the e2e deployments (E2E_RESERVATION_TTL_SECONDS for tests). */
export const E2E_RESERVATION_TTL_SECONDS = 40;

/** What the e2e deployments' sandbox payment provider signs its webhooks with (tests forge some). */
export const E2E_PAYMENT_WEBHOOK_SECRET = 'whsec_e2e_sandbox';

/** How fast webhook retries come in the e2e deployments: the suite watches a retry succeed. */
export const E2E_WEBHOOK_RETRY_BASE_DELAY_MS = 500;

/**
 * Where the e2e suite's own receivers listen (a webhook receiver and an SMTP server, started
 * by the test that needs them): the deployment allows exactly that webhook target and
 * sends its emails there.
 */
export interface E2eReceivers {
  readonly webhookPort: number;
  readonly smtpPort: number;
}

/**
 * Starts the built app the three ways it is deployed, against a fresh database and queue
 * prefix: (a) one process; (b) three identical replicas behind nginx; (c) one process per
 * module (api + worker) and a separate relay process, behind nginx routing by path.
 */
export async function launchTopology(
  topology: Topology,
  entry: keyof typeof ENTRYPOINTS = 'fixture',
  receivers?: E2eReceivers,
  /** Settings added to every process's (e.g. OTEL_* for the tracing test). */
  extraEnv: NodeJS.ProcessEnv = {},
  database: E2eDatabase = 'shared',
  /** How long each process may take to be ready (startApp's default otherwise). */
  readyTimeoutMs?: number,
): Promise<RunningTopology> {
  if (database === 'embedded' && topology !== 'single')
    throw new Error('the embedded PostgreSQL has no replica: it serves the single topology only');
  // Loaded on demand: it brings in libs/database, which the e2e tests importing this file must not load.
  const db: TestDatabase =
    database === 'embedded'
      ? await (await import('../support/embedded-test-database.js')).createEmbeddedTestDatabase()
      : await createTestDatabase(`e2e_${topology}`);
  const [{ server_version: version }] = (await db.query<{ server_version: string }>('SHOW server_version')) as [
    { server_version: string },
  ];
  const described = `${database} PostgreSQL ${version}`;
  const queues = queueBackends().find((b) => b.name === 'redis');
  if (!queues) throw new Error('the e2e topologies run on Redis queues');
  const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: db.url,
    ...queues.env(),
    ADMIN_EMAILS: ADMIN_EMAIL,
    AUTH_PRIVATE_KEY: signingKeyPem,
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_DEFAULT: '1000000/60s',
    RATE_LIMIT_AUTH: `${E2E_AUTH_RATE_LIMIT}/60s`,
    PAYMENT_SANDBOX_WEBHOOK_SECRET: E2E_PAYMENT_WEBHOOK_SECRET,
    PAYMENT_RETRY_DELAY_MS: '300',
    // Short enough for the e2e suite to watch a reservation expire.
    RESERVATION_TTL_SECONDS: String(E2E_RESERVATION_TTL_SECONDS),
    EVENT_MAX_ATTEMPTS: '3',
    EVENT_RETRY_DELAY_MS: '200',
    RELAY_POLL_MS: '250',
    LOG_LEVEL: 'warn',
    ...(receivers
      ? {
          // One internal receiver allowed; every other internal address is still refused.
          WEBHOOK_ALLOWED_TARGETS: `127.0.0.1:${receivers.webhookPort}`,
          WEBHOOK_RETRY_BASE_DELAY_MS: String(E2E_WEBHOOK_RETRY_BASE_DELAY_MS),
          SMTP_HOST: '127.0.0.1',
          SMTP_PORT: String(receivers.smtpPort),
        }
      : {}),
    ...extraEnv,
  };
  const processes: AppProcess[] = [];
  const launches: Launch[] = [];
  let nginx: Nginx | undefined;
  const launch = async (options: Parameters<typeof startApp>[0]): Promise<AppProcess> => {
    const app = await startApp({ ...(readyTimeoutMs ? { readyTimeoutMs } : {}), ...options });
    const args = options.args ?? [];
    const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1]!.split(',') : undefined);
    launches.push({
      options: { ...options, port: app.port },
      runsWorkersOf: (module) =>
        (flag('--modules')?.includes(module) ?? true) && (flag('--roles')?.includes('worker') ?? true),
    });
    processes.push(app);
    return app;
  };
  const crashAndRestart = async (module: string): Promise<number> => {
    const chosen = launches.map((l, i) => (l.runsWorkersOf(module) ? i : -1)).filter((i) => i >= 0);
    await Promise.all(chosen.map((i) => processes[i]!.stop('SIGKILL')));
    await Promise.all(
      chosen.map(async (i) => {
        processes[i] = await startApp(launches[i]!.options);
      }),
    );
    return chosen.length;
  };
  const stop = async () => {
    await nginx?.stop();
    await Promise.all(processes.map((p) => p.stop()));
    await queues.cleanup();
    await db.drop();
  };
  try {
    if (topology === 'single') {
      await launch({ entry, env });
      return {
        topology,
        baseUrl: processes[0]!.url,
        signingKeyPem,
        database: described,
        processes,
        crashAndRestart,
        stop,
      };
    }
    // The replicated and split deployments read from the CI's streaming replica.
    env.DATABASE_REPLICA_URLS = replicaUrlOf(db.url);
    if (topology === 'replicated') {
      await Promise.all([1, 2, 3].map(() => launch({ entry, env })));
      nginx = await Nginx.start([{ prefix: '/', ports: processes.map((p) => p.port) }]);
      return {
        topology,
        baseUrl: `http://127.0.0.1:${nginx.port}`,
        signingKeyPem,
        database: described,
        processes,
        crashAndRestart,
        stop,
      };
    }
    const modules = JSON.parse(
      execFileSync(process.execPath, [ENTRYPOINTS[entry], 'modules'], { encoding: 'utf8' }),
    ) as ModuleDescription[];
    // Modules without identity verify tokens against its JWKS, so its port is chosen first.
    const identityPort = await freePort();
    const splitEnv = { ...env, AUTH_JWKS_URL: `http://127.0.0.1:${identityPort}/.well-known/jwks.json` };
    const byModule = await Promise.all(
      modules.map(async (module) => ({
        module,
        app: await launch({
          entry,
          env: splitEnv,
          args: ['--modules', module.name, '--roles', 'api,worker'],
          ...(module.name === 'identity' ? { port: identityPort } : {}),
        }),
      })),
    );
    await launch({ entry, env: splitEnv, args: ['--roles', 'relay'] });
    const routes: Route[] = byModule.flatMap(({ module, app }) =>
      module.routes.map((prefix) => ({ prefix, ports: [app.port] })),
    );
    // Platform routes (/health, /metrics, /docs, /v1/admin) are served by every api process.
    routes.push({ prefix: '/', ports: byModule.map((m) => m.app.port) });
    nginx = await Nginx.start(routes);
    return {
      topology,
      baseUrl: `http://127.0.0.1:${nginx.port}`,
      signingKeyPem,
      database: described,
      processes,
      crashAndRestart,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
