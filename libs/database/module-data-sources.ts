import { DataSource } from 'typeorm';
import { AfterCommitCallbacks } from './after-commit';
import type { MigrationClass, ModuleManifest } from '#libs/modularity';
import type { BudgetPool } from './budget-pool';
import type { DatabasePools } from './database-pools';
import { ReadDataSource } from './read-data-source';
import type { ReplicaSet } from './replica-set';

export interface ModuleDataSource {
  readonly module: ModuleManifest;
  readonly url: string;
  readonly dataSource: DataSource;
  /** Outbox relay and inbox: the events share of the budget when the process also serves the API. */
  readonly messaging: DataSource;
}

/**
 * One data source per module on its schema and URL, borrowing from the process's pools
 * (docs/decisions/0001-one-connection-budget-per-process.md). No search_path: statements name their schema.
 */
export class ModuleDataSources {
  private readonly byModule = new Map<string, ModuleDataSource>();
  private readonly replicasByModule = new Map<string, DataSource[]>();
  private readonly readers = new Map<string, ReadDataSource>();

  constructor(
    manifests: readonly ModuleManifest[],
    private readonly primaryUrl: string,
    private readonly overrides: Readonly<Record<string, string>>,
    readonly pools: DatabasePools,
    /** Migrations every module's schema gets before its own (e.g. the outbox and inbox). */
    private readonly sharedMigrations: readonly MigrationClass[] = [],
    /** Read replicas of the primary; modules moved to another database do not use them. */
    replicaUrls: readonly string[] = [],
  ) {
    for (const module of manifests) {
      const url = overrides[module.name] ?? primaryUrl;
      this.replicasByModule.set(
        module.name,
        overrides[module.name]
          ? []
          : replicaUrls.map((replicaUrl) => moduleDataSource(module, pools.replica(replicaUrl))),
      );
      const requests = pools.requests(url);
      const events = pools.events(url);
      const dataSource = moduleDataSource(module, requests);
      const messaging = events === requests ? dataSource : moduleDataSource(module, events);
      this.byModule.set(module.name, { module, url, dataSource, messaging });
    }
  }

  urlOf(name: string): string {
    return this.entry(name).url;
  }

  /** The database of any module, whether or not this process runs it. */
  databaseUrlOf(name: string): string {
    return this.overrides[name] ?? this.primaryUrl;
  }

  forModule(name: string): DataSource {
    return this.entry(name).dataSource;
  }

  messagingFor(name: string): DataSource {
    return this.entry(name).messaging;
  }

  /** On the direct URL (its advisory lock needs a session a pooler does not keep), with search_path. Destroy after. */
  migrationSource(name: string): DataSource {
    const { module, url } = this.entry(name);
    return new DataSource({
      type: 'postgres',
      url: this.pools.directUrl(url),
      schema: module.schema,
      entities: [...module.entities] as never[],
      migrations: [...this.sharedMigrations, ...module.migrations] as never[],
      migrationsTableName: 'migrations',
      poolSize: 1,
      connectTimeoutMS: 5000,
      applicationName: `tessera:migrate:${module.name}`,
      extra: { options: `-c search_path=${module.schema}` },
    });
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

  /** Closes the data sources, then the pools they borrowed from. */
  async destroy(): Promise<void> {
    await Promise.all([...this.readers.values()].map((reader) => reader.destroy()));
    const sources = this.all().flatMap(({ dataSource, messaging }) =>
      messaging === dataSource ? [dataSource] : [dataSource, messaging],
    );
    await Promise.all(sources.map((source) => (source.isInitialized ? source.destroy() : undefined)));
    await this.pools.end();
  }

  private entry(name: string): ModuleDataSource {
    const entry = this.byModule.get(name);
    if (!entry) throw new Error(`no data source for module "${name}"`);
    return entry;
  }
}

/** A data source confined to one module's schema, borrowing connections from `pool`. */
function moduleDataSource(module: ModuleManifest, pool: BudgetPool): DataSource {
  return new DataSource({
    type: 'postgres',
    url: pool.options.url,
    driver: pool.typeormDriver(),
    schema: module.schema,
    entities: [...module.entities] as never[],
    subscribers: [AfterCommitCallbacks],
    // Extensions are the migrations' business, on their own connection.
    installExtensions: false,
  });
}
