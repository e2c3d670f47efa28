import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '#libs/config';

/** An ioredis client of any topology: the commands Tessera uses (PING, EVAL, PUBLISH, SUBSCRIBE) work on both. */
export type RedisClient = Redis | Cluster;

/** How a client behaves while Redis is away, beside the target's own options. */
export interface RedisClientOptions {
  /** Shown in CLIENT LIST. */
  readonly connectionName: string;
  /** Retries of a command across reconnects; `null` waits forever (BullMQ's blocking commands need that). */
  readonly maxRetriesPerRequest: number | null;
  /** false: a command sent while disconnected fails at once instead of waiting for the connection. */
  readonly enableOfflineQueue?: boolean;
  readonly retryStrategy?: (times: number) => number;
  readonly lazyConnect?: boolean;
}

/** The ioredis options of one data node, without the cluster layer: host, credentials, timeouts. */
export function nodeOptions(
  target: Exclude<RedisTarget, { kind: 'cluster' }>,
  options: RedisClientOptions,
): RedisOptions {
  const own: RedisOptions = {
    connectionName: options.connectionName,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    ...(options.enableOfflineQueue === undefined ? {} : { enableOfflineQueue: options.enableOfflineQueue }),
    ...(options.retryStrategy ? { retryStrategy: options.retryStrategy } : {}),
    ...(options.lazyConnect ? { lazyConnect: true } : {}),
  };
  if (target.kind === 'standalone') return { ...standaloneOptions(target.url), ...own };
  return {
    sentinels: target.sentinels.map((node) => ({ host: node.host, port: node.port })),
    name: target.masterName,
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...target.auth,
    // A failover moves the master: reconnect through the sentinels when the old one goes
    // read-only or away, instead of failing writes against a demoted replica.
    failoverDetector: true,
    ...own,
  };
}

/** The options of an ioredis Cluster: the target's nodes, credentials and the client's behaviour. */
export function clusterOptions(
  target: Extract<RedisTarget, { kind: 'cluster' }>,
  options: RedisClientOptions,
): ClusterOptions {
  return {
    redisOptions: {
      ...target.auth,
      connectionName: options.connectionName,
      maxRetriesPerRequest: options.maxRetriesPerRequest,
    },
    ...(options.enableOfflineQueue === undefined ? {} : { enableOfflineQueue: options.enableOfflineQueue }),
    ...(options.retryStrategy ? { clusterRetryStrategy: options.retryStrategy } : {}),
    ...(options.lazyConnect ? { lazyConnect: true } : {}),
  };
}

/** A new ioredis client for the target; the caller owns it and disconnects it. */
export function createRedisClient(target: RedisTarget, options: RedisClientOptions): RedisClient {
  if (target.kind === 'cluster')
    return new Cluster(
      target.nodes.map((node) => ({ host: node.host, port: node.port })),
      clusterOptions(target, options),
    );
  return new Redis(nodeOptions(target, options));
}

/**
 * The BullMQ key prefix for QUEUE_PREFIX on this target. On a Cluster, the keys of one queue
 * must share a hash slot (BullMQ's scripts touch several at once), so the prefix is a hash tag:
 * `tessera` becomes `{tessera}` and every queue of the deployment lives on one node.
 */
export function queueKeyPrefix(target: RedisTarget | undefined, prefix: string): string {
  return target?.kind === 'cluster' ? `{${prefix}}` : prefix;
}

function standaloneOptions(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    db: Number(url.pathname.replace('/', '') || 0),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}
