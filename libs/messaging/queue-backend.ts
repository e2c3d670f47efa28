import { createPostgresBackend, setDefaultBackendFactory, type ConnectionOptions } from 'bullmq';

/**
 * Where BullMQ keeps jobs: Redis when REDIS_URL is set, otherwise BullMQ's PostgreSQL
 * backend in the primary database, so a laptop needs nothing but Node.
 */
export type QueueBackend =
  | { readonly kind: 'redis'; readonly connection: RedisConnectionOptions }
  | { readonly kind: 'postgres'; readonly connection: PostgresQueueConnection };

export interface RedisConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
  readonly tls?: Record<string, never>;
  readonly maxRetriesPerRequest: null;
}

export interface PostgresQueueConnection {
  readonly connectionString: string;
  readonly migrate: true;
  readonly max: number;
  readonly application_name: string;
}

export function redisConnectionOptions(redisUrl: string): RedisConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number(url.pathname.replace('/', '') || 0),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; they must wait through reconnects, not fail requests.
    maxRetriesPerRequest: null,
  };
}

export function selectQueueBackend(redisUrl: string | undefined, primaryDatabaseUrl: string): QueueBackend {
  if (redisUrl) return { kind: 'redis', connection: redisConnectionOptions(redisUrl) };
  setDefaultBackendFactory(createPostgresBackend);
  return {
    kind: 'postgres',
    connection: { connectionString: primaryDatabaseUrl, migrate: true, max: 4, application_name: 'tessera:queues' },
  };
}

/** BullMQ's options are typed for Redis; the PostgreSQL backend takes its own shape. */
export function bullConnection(backend: QueueBackend): ConnectionOptions {
  return backend.connection as unknown as ConnectionOptions;
}
