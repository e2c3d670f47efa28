/** Where the integration tests find the services CI starts (overridable for other machines). */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** For processes that serve HTTP without identity but never verify a token in the test. */
export const UNUSED_JWKS_URL = 'http://127.0.0.1:9/.well-known/jwks.json';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A short unique token for database names, queue prefixes and the like. */
export function uniqueId(label: string): string {
  return `${label}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
}

/** The streaming replica `.ci/run` creates (pg_basebackup -R) on port 5433. */
export const POSTGRES_REPLICA_URL =
  process.env.TEST_POSTGRES_REPLICA_URL ?? 'postgres://postgres@127.0.0.1:5433/postgres';

/** The same database as `databaseUrl`, read from the replica. */
export function replicaUrlOf(databaseUrl: string): string {
  const url = new URL(POSTGRES_REPLICA_URL);
  url.pathname = new URL(databaseUrl).pathname;
  return url.toString();
}
