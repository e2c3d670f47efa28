import type { DataSource } from 'typeorm';

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
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return { schema, applied: applied.map((migration) => migration.name) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`tessera:migrate:${schema}`]);
    }
  } finally {
    await runner.release();
  }
}
