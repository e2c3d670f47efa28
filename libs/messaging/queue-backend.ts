import { createPostgresBackend, setDefaultBackendFactory, type ConnectionOptions } from 'bullmq';
import type { Cluster, RedisOptions } from 'ioredis';
import type { RedisTarget } from '#libs/config';
import { createRedisClient, nodeOptions, queueKeyPrefix } from '#libs/redis';

/**
 * Where BullMQ keeps jobs: Redis when one is configured (one server, Sentinel or Cluster),
 * otherwise BullMQ's PostgreSQL backend in the primary database, so a laptop needs nothing
 * but Node. `prefix` is the key prefix every queue and worker uses (a hash tag on a Cluster).
 */
export type QueueBackend =
  | {
      readonly kind: 'redis';
      readonly target: RedisTarget;
      readonly connection: RedisOptions | Cluster;
      readonly prefix: string;
    }
  | { readonly kind: 'postgres'; readonly connection: PostgresQueueConnection; readonly prefix: string };

export interface PostgresQueueConnection {
  readonly connectionString: string;
  readonly migrate: true;
  readonly max: number;
  readonly application_name: string;
}

export function selectQueueBackend(
  redis: RedisTarget | undefined,
  prefix: string,
  primaryDatabaseUrl: string,
): QueueBackend {
  if (redis)
    return {
      kind: 'redis',
      target: redis,
      connection: bullRedisConnection(redis),
      prefix: queueKeyPrefix(redis, prefix),
    };
  setDefaultBackendFactory(createPostgresBackend);
  return {
    kind: 'postgres',
    connection: { connectionString: primaryDatabaseUrl, migrate: true, max: 4, application_name: 'tessera:queues' },
    prefix,
  };
}

/**
 * BullMQ builds its own client from options, one per queue and worker, but only a plain
 * `Redis` (with sentinels when given): a Cluster must be handed over as a client, which the
 * process's queues then share (workers duplicate it for their blocking connection).
 * `closeQueueBackend` ends it after the queues closed.
 */
function bullRedisConnection(target: RedisTarget): RedisOptions | Cluster {
  // BullMQ workers block on Redis; they must wait through reconnects and failovers, not fail.
  const options = { connectionName: 'tessera:queues', maxRetriesPerRequest: null };
  if (target.kind === 'cluster') return createRedisClient(target, options) as Cluster;
  return nodeOptions(target, options);
}

/** BullMQ's options are typed for Redis; the PostgreSQL backend takes its own shape. */
export function bullConnection(backend: QueueBackend): ConnectionOptions {
  return backend.connection as unknown as ConnectionOptions;
}

/** Ends the shared Cluster client, if the backend has one; BullMQ closes the connections it made itself. */
export async function closeQueueBackend(backend: QueueBackend): Promise<void> {
  if (backend.kind === 'redis' && backend.target.kind === 'cluster')
    await (backend.connection as Cluster).quit().catch(() => (backend.connection as Cluster).disconnect());
}
