import { MigrationExecutor, type DataSource } from 'typeorm';
import type { ModuleDataSources } from './module-data-sources';

export interface MigrationOutcome {
  readonly schema: string;
  readonly applied: readonly string[];
}

/**
 * Runs one module's pending migrations while holding a session-level advisory lock keyed
 * by its schema, so that N replicas starting together migrate once: the first holds the
 * lock and migrates, the others wait, then find nothing pending.
 */
export async function migrateSchema(dataSource: DataSource, schema: string): Promise<MigrationOutcome> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`tessera:migrate:${schema}`]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      // On the lock's own connection: a pool of one has no second connection to lend.
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return { schema, applied: applied.map((migration) => migration.name) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`tessera:migrate:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}

/** Migrates one module's schema on a connection of its own (`migrationSource`), closed after. */
export async function migrateModuleSchema(sources: ModuleDataSources, module: string): Promise<MigrationOutcome> {
  const source = sources.migrationSource(module);
  await source.initialize();
  try {
    return await migrateSchema(source, (source.options as { readonly schema: string }).schema);
  } finally {
    await source.destroy();
  }
}
