import { ConfigError } from './config-error';

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Credentials of the data nodes (master, replicas, cluster nodes). */
export interface RedisAuth {
  readonly username?: string;
  readonly password?: string;
}

/**
 * Where Redis is, as every Redis user of the process (queues, cache, invalidation bus, rate
 * limits, health) reads it (docs/decisions/0035-redis-sentinel-and-cluster.md): one server, a
 * master found through Sentinel, or a Cluster.
 */
export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisNode[];
      readonly masterName: string;
      readonly sentinelPassword?: string;
      readonly auth: RedisAuth;
    }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[]; readonly auth: RedisAuth };

/** The settings a RedisTarget is read from. */
export interface RedisSettings {
  readonly redisUrl?: string;
  readonly redisSentinels: readonly string[];
  readonly redisSentinelMaster?: string;
  readonly redisSentinelPassword?: string;
  readonly redisClusterNodes: readonly string[];
  readonly redisUsername?: string;
  readonly redisPassword?: string;
}

/** `host:port` (validated by the `hostPort` schema) as a node; brackets of an IPv6 address dropped. */
function nodeOf(hostAndPort: string): RedisNode {
  const colon = hostAndPort.lastIndexOf(':');
  return { host: hostAndPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(hostAndPort.slice(colon + 1)) };
}

/** The one RedisTarget the settings describe, undefined when none; contradictory settings are a ConfigError. */
export function redisTargetOf(settings: RedisSettings): RedisTarget | undefined {
  const chosen = [
    settings.redisUrl ? 'REDIS_URL' : undefined,
    settings.redisSentinels.length > 0 ? 'REDIS_SENTINELS' : undefined,
    settings.redisClusterNodes.length > 0 ? 'REDIS_CLUSTER_NODES' : undefined,
  ].filter((name) => name !== undefined);
  if (chosen.length > 1) throw new ConfigError(`${chosen.join(' and ')} exclude each other: set one of them`);
  const auth: RedisAuth = {
    ...(settings.redisUsername ? { username: settings.redisUsername } : {}),
    ...(settings.redisPassword ? { password: settings.redisPassword } : {}),
  };
  const sentinelOnly = settings.redisSentinelMaster
    ? 'REDIS_SENTINEL_MASTER'
    : settings.redisSentinelPassword
      ? 'REDIS_SENTINEL_PASSWORD'
      : undefined;
  if (sentinelOnly && chosen[0] !== 'REDIS_SENTINELS') throw new ConfigError(`${sentinelOnly} needs REDIS_SENTINELS`);
  if (settings.redisUrl) {
    const inUrl = settings.redisUsername ? 'REDIS_USERNAME' : settings.redisPassword ? 'REDIS_PASSWORD' : undefined;
    if (inUrl) throw new ConfigError(`${inUrl} is not read with REDIS_URL: put the credentials in the URL`);
    return { kind: 'standalone', url: settings.redisUrl };
  }
  if (settings.redisSentinels.length > 0) {
    if (!settings.redisSentinelMaster)
      throw new ConfigError('REDIS_SENTINELS needs REDIS_SENTINEL_MASTER, the master name the sentinels monitor');
    return {
      kind: 'sentinel',
      sentinels: settings.redisSentinels.map(nodeOf),
      masterName: settings.redisSentinelMaster,
      ...(settings.redisSentinelPassword ? { sentinelPassword: settings.redisSentinelPassword } : {}),
      auth,
    };
  }
  if (settings.redisClusterNodes.length > 0)
    return { kind: 'cluster', nodes: settings.redisClusterNodes.map(nodeOf), auth };
  const orphan = settings.redisUsername ? 'REDIS_USERNAME' : settings.redisPassword ? 'REDIS_PASSWORD' : undefined;
  if (orphan) throw new ConfigError(`${orphan} needs REDIS_SENTINELS or REDIS_CLUSTER_NODES`);
  return undefined;
}

/** How logs and the start-up line name the target, without credentials. */
export function describeRedisTarget(target: RedisTarget | undefined): string {
  if (!target) return 'none';
  if (target.kind === 'standalone') {
    const url = new URL(target.url);
    return `redis ${url.host}`;
  }
  const nodes = (target.kind === 'sentinel' ? target.sentinels : target.nodes).map((n) => `${n.host}:${n.port}`);
  return target.kind === 'sentinel'
    ? `redis sentinel master "${target.masterName}" via ${nodes.join(',')}`
    : `redis cluster via ${nodes.join(',')}`;
}
