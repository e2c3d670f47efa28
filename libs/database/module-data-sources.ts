import { DataSource } from 'typeorm';
import { AfterCommitCallbacks } from './after-commit';
import type { MigrationClass, ModuleManifest } from '#libs/modularity';
import { ReadDataSource } from './read-data-source';
import type { ReplicaSet } from './replica-set';

export interface ModuleDataSource {
  readonly module: ModuleManifest;
  readonly url: string;
  readonly dataSource: DataSource;
  /**
   * Where the module's event delivery (outbox relay, inbox consumer and its handlers) runs:
   * a pool of its own when the process also serves the API, else `dataSource`.
   */
  readonly messaging: DataSource;
}

/**
 * One TypeORM data source per module, each bound to the module's own schema and database
 * URL (`<MODULE>_DATABASE_URL` when set, else the primary). Nothing here lets one module
 * reach another's data source: the composition root hands each module only its own.
 */
export class ModuleDataSources {
  private readonly byModule = new Map<string, ModuleDataSource>();
  private readonly replicasByModule = new Map<string, DataSource[]>();
  private readonly readers = new Map<string, ReadDataSource>();

  constructor(
    manifests: readonly ModuleManifest[],
    primaryUrl: string,
    overrides: Readonly<Record<string, string>>,
    poolSize: number,
    /** Migrations every module's schema gets before its own (e.g. the outbox and inbox). */
    sharedMigrations: readonly MigrationClass[] = [],
    /** Read replicas of the primary; modules moved to another database do not use them. */
    replicaUrls: readonly string[] = [],
    /**
     * When set, each module's event delivery gets a pool of this size apart from the one
     * requests use: a backlog of events then waits for its own connections instead of
     * holding the ones an HTTP request needs.
     */
    messagingPoolSize?: number,
  ) {
    for (const module of manifests) {
      const url = overrides[module.name] ?? primaryUrl;
      this.replicasByModule.set(
        module.name,
        overrides[module.name]
          ? []
          : replicaUrls.map((replicaUrl) =>
              moduleDataSource(module, replicaUrl, Math.max(2, Math.ceil(poolSize / 2)), 'read', []),
            ),
      );
      const dataSource = moduleDataSource(module, url, poolSize, 'primary', [
        ...sharedMigrations,
        ...module.migrations,
      ]);
      const messaging =
        messagingPoolSize === undefined
          ? dataSource
          : moduleDataSource(module, url, messagingPoolSize, 'messaging', []);
      this.byModule.set(module.name, { module, url, dataSource, messaging });
    }
  }

  urlOf(name: string): string {
    const entry = this.byModule.get(name);
    if (!entry) throw new Error(`no data source for module "${name}"`);
    return entry.url;
  }

  forModule(name: string): DataSource {
    const entry = this.byModule.get(name);
    if (!entry) throw new Error(`no data source for module "${name}"`);
    return entry.dataSource;
  }

  messagingFor(name: string): DataSource {
    const entry = this.byModule.get(name);
    if (!entry) throw new Error(`no data source for module "${name}"`);
    return entry.messaging;
  }

  /** Where the module's queries run (replicas when configured and fit, else the primary). */
  readerFor(name: string, replicaSet: ReplicaSet | undefined): ReadDataSource {
    let reader = this.readers.get(name);
    if (!reader) {
      reader = new ReadDataSource(name, this.forModule(name), this.replicasByModule.get(name) ?? [], replicaSet);
      this.readers.set(name, reader);
    }
    return reader;
  }

  all(): ModuleDataSource[] {
    return [...this.byModule.values()];
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.readers.values()].map((reader) => reader.destroy()));
    const sources = this.all().flatMap(({ dataSource, messaging }) =>
      messaging === dataSource ? [dataSource] : [dataSource, messaging],
    );
    await Promise.all(sources.map((source) => (source.isInitialized ? source.destroy() : undefined)));
  }
}

const APPLICATION_NAME_SUFFIX = { primary: '', messaging: ':messaging', read: ':read' } as const;

/** A data source confined to one module's schema, on the primary or on a read replica. */
function moduleDataSource(
  module: ModuleManifest,
  url: string,
  poolSize: number,
  target: keyof typeof APPLICATION_NAME_SUFFIX,
  migrations: readonly MigrationClass[],
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    schema: module.schema,
    entities: [...module.entities] as never[],
    migrations: [...migrations] as never[],
    migrationsTableName: 'migrations',
    subscribers: [AfterCommitCallbacks],
    poolSize,
    // A replica that does not answer quickly is better skipped than waited for.
    connectTimeoutMS: target === 'read' ? 1000 : 5000,
    applicationName: `tessera:${module.name}${APPLICATION_NAME_SUFFIX[target]}`,
    // A dropped idle connection must not crash the process; the pool replaces it.
    poolErrorHandler: () => undefined,
    extra: {
      // Unqualified names (raw SQL in migrations included) resolve in the module's own
      // schema, so a module cannot touch another's tables by accident.
      options: `-c search_path=${module.schema}`,
      // Pipelined: node-postgres sends a query without waiting for the one before it to be
      // answered. Code that awaits each query runs as before; a write with a read queued
      // behind it (`queryPreparedCommitted`) takes one round trip instead of two.
      ...(target === 'primary' ? { pipeline: true } : {}),
    },
  });
}
