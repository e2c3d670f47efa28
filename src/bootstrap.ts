import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIG_ERROR_EXIT_CODE,
  ConfigError,
  coreSettings,
  describeRedisTarget,
  loadSettings,
  parseEntrypoint,
  ProcessState,
  readSetting,
  usage,
  type ProcessSelection,
  type Runtime,
  type Settings,
} from '#libs/config';
import {
  ConnectionBudgetError,
  connectionShares,
  DatabasePools,
  describeError,
  ModuleDataSources,
  PrimaryDatabase,
  ReplicaSet,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
} from '#libs/database';
import { createHttpApp } from '#libs/http';
import { HttpDrain } from '#libs/health';
import {
  configureWorkerPrecedence,
  firstModules,
  MESSAGING_MIGRATIONS,
  closeQueueBackend,
  QueueWorkers,
  selectQueueBackend,
  SharedQueueConnection,
  SubscriptionTable,
} from '#libs/messaging';
import { INTEGRATION_EVENTS } from '#libs/contracts';
import { assertDistinctModules, type ModuleManifest } from '#libs/modularity';
import { createAppLogger, type AppLogger } from '#libs/observability';
import { nameTracedProcess, stopTracing } from '#libs/tracing';
import { AppModule } from './app.module';
import { runEventsCommand } from './events-command';
import { describeModules } from './describe-modules';
import { migrateModules } from './migrate-modules';

export interface Launch {
  readonly manifests: readonly ModuleManifest[];
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;

/** A wrong flag or setting ends the process with exit code 2 and one line on stderr. */
export async function runTessera(launch: Launch): Promise<void> {
  const names = launch.manifests.map((manifest) => manifest.name);
  let command: ReturnType<typeof parseEntrypoint>;
  let settings: Settings;
  let subscriptions: SubscriptionTable;
  let shares: ReturnType<typeof connectionShares>;
  try {
    assertDistinctModules(launch.manifests);
    command = parseEntrypoint(launch.argv, launch.env, names);
    if ('selection' in command) nameTracedProcess(command.selection);
    if (command.kind === 'help') {
      process.stdout.write(`${usage(names)}\n`);
      return;
    }
    if (command.kind === 'version') {
      // Before the settings load: the version answers whatever else the environment holds.
      const commit = readSetting(launch.env, coreSettings.commit.env, coreSettings.commit.schema);
      process.stdout.write(`tessera ${VERSION} (commit ${commit ?? coreSettings.commit.default})\n`);
      return;
    }
    subscriptions = deriveSubscriptions(launch.manifests);
    if (command.kind === 'modules') {
      process.stdout.write(`${JSON.stringify(describeModules(launch.manifests, subscriptions), null, 2)}\n`);
      return;
    }
    settings = loadSettings(launch.env, launch.manifests);
    if (command.kind === 'events') {
      if (!settings.databaseUrl)
        throw new ConfigError('events needs DATABASE_URL (and the Redis settings when queues are on Redis)');
      await runEventsCommand(command, settings, settings.databaseUrl, subscriptions);
      return;
    }
    requireSharedDatabaseWhenSplit(command.selection, names, settings);
    shares = budgetShares(command.selection, settings);
    if (command.kind === 'serve') requireKeySourceForApi(command.selection, names, settings);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tessera: ${error.message}\n`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
  const logger = createAppLogger(settings.logLevel);
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: describeError(reason) }, 'unhandled promise rejection'),
  );
  const selected = launch.manifests.filter((manifest) => command.selection.modules.includes(manifest.name));
  const embedded = settings.databaseUrl ? undefined : await startEmbedded(settings, logger);
  const primaryUrl = settings.databaseUrl ?? (embedded as EmbeddedDatabase).url;
  const pools = new DatabasePools({
    shares,
    acquireTimeoutMs: settings.databasePoolTimeoutMs,
    preparedStatements: settings.databasePreparedStatements,
    replicaQueryTimeoutMs: settings.replicaQueryTimeoutMs,
    primaryUrl,
    primaryDirectUrl: settings.databaseDirectUrl ?? primaryUrl,
  });
  const dataSources = new ModuleDataSources(
    selected,
    primaryUrl,
    settings.moduleDatabaseUrls,
    pools,
    MESSAGING_MIGRATIONS,
    // Replicas only of a configured primary: the embedded database has none.
    settings.databaseUrl ? settings.databaseReplicaUrls : [],
  );
  if (command.kind === 'migrate') {
    const ok = await migrateModules(dataSources, logger);
    await dataSources.destroy();
    await embedded?.stop();
    await stopTracing();
    process.exitCode = ok ? 0 : 1;
    return;
  }
  await serve({
    settings,
    selection: command.selection,
    selected,
    dataSources,
    primaryUrl,
    embedded,
    logger,
    subscriptions,
  });
}

/** The subscription table; a module wiring mistake is a start-up error like a bad flag. */
function deriveSubscriptions(manifests: readonly ModuleManifest[]): SubscriptionTable {
  try {
    return new SubscriptionTable(manifests, INTEGRATION_EVENTS);
  } catch (error) {
    throw new ConfigError(`event subscriptions: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Split processes must share one database: embedded ones would each hold data and events that never meet. */
function requireSharedDatabaseWhenSplit(
  selection: ProcessSelection,
  names: readonly string[],
  settings: Settings,
): void {
  const everything = selection.modules.length === names.length && selection.roles.length === 3;
  if (!settings.databaseUrl && !everything) {
    throw new ConfigError(
      'DATABASE_URL is required when a process runs only some modules or roles (split topology): start a shared database with `npm run db:embedded` and pass the URL it prints',
    );
  }
}

/** An api process without the identity module verifies tokens against identity's published keys. */
function requireKeySourceForApi(selection: ProcessSelection, names: readonly string[], settings: Settings): void {
  const verifiesTokens =
    selection.roles.includes('api') && names.includes('identity') && !selection.modules.includes('identity');
  if (verifiesTokens && !settings.authJwksUrl) {
    throw new ConfigError(
      "AUTH_JWKS_URL is required when a process serves HTTP without the identity module: set it to identity's /.well-known/jwks.json",
    );
  }
}

async function startEmbedded(settings: Settings, logger: AppLogger): Promise<EmbeddedDatabase> {
  logger.info({ dir: settings.embeddedPostgresDir }, 'DATABASE_URL is not set: starting embedded PostgreSQL');
  const embedded = await startEmbeddedPostgres({
    dataDir: settings.embeddedPostgresDir,
    port: settings.embeddedPostgresPort,
    onLog: (message) => logger.debug({ component: 'embedded-postgres' }, message),
  });
  logger.info({ url: embedded.url.replace(/:[^:@/]+@/, ':***@') }, 'embedded PostgreSQL is up');
  return embedded;
}

async function serve(context: {
  settings: Settings;
  selection: ProcessSelection;
  selected: readonly ModuleManifest[];
  dataSources: ModuleDataSources;
  primaryUrl: string;
  embedded: EmbeddedDatabase | undefined;
  logger: AppLogger;
  subscriptions: SubscriptionTable;
}): Promise<void> {
  const { settings, selection, selected, dataSources, primaryUrl, embedded, logger, subscriptions } = context;
  const state = new ProcessState();
  const runtime: Runtime = {
    selection,
    version: VERSION,
    commit: settings.commit,
    hasRole: (role) => selection.roles.includes(role),
  };
  const pools = dataSources.pools;
  const primary = new PrimaryDatabase(primaryUrl, pools.requests(primaryUrl));
  const replicaSet = new ReplicaSet(
    settings.databaseUrl ? settings.databaseReplicaUrls : [],
    primary,
    settings.replicaMaxLagSeconds,
    settings.replicaCheckIntervalMs,
    pools,
  );
  const queueBackend = selectQueueBackend(settings.redis, settings.queuePrefix, pools.directUrl(primaryUrl));
  const queueConnection =
    queueBackend.kind === 'postgres'
      ? new SharedQueueConnection({ ...queueBackend.connection, max: pools.shares.queues }, pools.listener(primaryUrl))
      : undefined;
  queueConnection?.useForEveryQueue();
  const jobsGoFirst = firstModules(settings.workerFirstModules, selected);
  configureWorkerPrecedence(jobsGoFirst, settings.workerFirstMaxWaitMs);
  const app = await createHttpApp(
    AppModule.compose({
      settings,
      runtime,
      state,
      manifests: selected,
      primary,
      replicaSet,
      dataSources,
      queueBackend,
      subscriptions,
    }),
    settings,
    logger,
    VERSION,
  );
  const http = new HttpDrain(app.getHttpServer());
  // A load balancer's burst of connections overflows Node's default (docs/decisions/0030-accept-backlog.md).
  await app.listen({ port: settings.port, host: settings.host, backlog: 4096 });
  const address = app.getHttpServer().address();
  logger.info(
    {
      port: typeof address === 'object' && address ? address.port : settings.port,
      host: settings.host,
      modules: selection.modules,
      roles: selection.roles,
      queues: queueBackend.kind,
      redis: describeRedisTarget(settings.redis),
      ...(selection.roles.includes('worker') ? { jobsGoFirst } : {}),
      version: VERSION,
      commit: settings.commit,
    },
    'tessera is listening',
  );

  let stopping = false;
  /**
   * SIGTERM drops nothing (docs/decisions/0003-drain-without-dropping-requests.md). The HTTP server
   * closes before Fastify does, so no request ever meets Fastify's closing state.
   */
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const startedAt = Date.now();
    state.markDraining();
    http.begin();
    logger.info({ signal, delayMs: settings.shutdownDelayMs }, 'draining: readiness now answers 503');
    const forceExit = setTimeout(() => {
      logger.error('shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting');
      process.exit(1);
    }, settings.shutdownTimeoutMs + 5000);
    forceExit.unref();
    await new Promise((resolve) => setTimeout(resolve, settings.shutdownDelayMs));
    const remaining = () => Math.max(1000, settings.shutdownTimeoutMs - (Date.now() - startedAt));
    const { closedInTime, ...connections } = await http.close(remaining());
    if (closedInTime) logger.info({ ms: Date.now() - startedAt, ...connections }, 'http server closed');
    else logger.warn(connections, 'in-flight requests outlived the shutdown timeout; their connections were closed');
    await app.get(QueueWorkers).drain(remaining());
    try {
      await app.close();
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'error while closing the application');
    }
    await replicaSet.stop().catch(() => undefined);
    await queueConnection?.end().catch(() => undefined);
    await closeQueueBackend(queueBackend);
    await dataSources.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    await stopTracing();
    logger.info({ ms: Date.now() - startedAt }, 'stopped');
    process.exit(process.exitCode ?? 0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/** How the process divides DATABASE_POOL_SIZE; a budget too small for its roles is a setting error. */
function budgetShares(selection: ProcessSelection, settings: Settings): ReturnType<typeof connectionShares> {
  try {
    return connectionShares({
      budget: settings.databasePoolSize,
      reservedForEvents: settings.databaseMessagingPoolSize,
      servesRequests: selection.roles.includes('api'),
      deliversEvents: selection.roles.includes('worker') || selection.roles.includes('relay'),
      holdsQueues: !settings.redis,
    });
  } catch (error) {
    if (error instanceof ConnectionBudgetError) throw new ConfigError(error.message);
    throw error;
  }
}
