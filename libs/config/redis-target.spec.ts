import { loadSettings } from './load-settings';
import { describeRedisTarget } from './redis-target';

const redisOf = (env: NodeJS.ProcessEnv) => loadSettings(env, []).redis;

describe('where Redis is', () => {
  it('is nowhere without Redis settings: queues on PostgreSQL, caches and limits per process', () => {
    expect(redisOf({})).toBeUndefined();
  });

  it('is one server with REDIS_URL', () => {
    expect(redisOf({ REDIS_URL: 'redis://:secret@cache:6380/2' })).toEqual({
      kind: 'standalone',
      url: 'redis://:secret@cache:6380/2',
    });
  });

  it('is the master the sentinels name, with the credentials of the data nodes and of the sentinels', () => {
    expect(
      redisOf({
        REDIS_SENTINELS: 'sentinel-a:26379, sentinel-b:26379,[::1]:26380',
        REDIS_SENTINEL_MASTER: 'mymaster',
        REDIS_SENTINEL_PASSWORD: 's3ntinel',
        REDIS_USERNAME: 'tessera',
        REDIS_PASSWORD: 'data',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: 'sentinel-b', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'mymaster',
      sentinelPassword: 's3ntinel',
      auth: { username: 'tessera', password: 'data' },
    });
  });

  it('is a Cluster with REDIS_CLUSTER_NODES', () => {
    expect(redisOf({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000', REDIS_PASSWORD: 'p' })).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7000 },
      ],
      auth: { password: 'p' },
    });
  });

  it('refuses two topologies at once', () => {
    expect(() => redisOf({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' })).toThrow(
      'REDIS_URL and REDIS_CLUSTER_NODES exclude each other: set one of them',
    );
    expect(() =>
      redisOf({ REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'm', REDIS_CLUSTER_NODES: 'b:7000' }),
    ).toThrow('REDIS_SENTINELS and REDIS_CLUSTER_NODES exclude each other');
  });

  it('needs the master name with sentinels, and sentinels with a master name', () => {
    expect(() => redisOf({ REDIS_SENTINELS: 'a:26379' })).toThrow('REDIS_SENTINELS needs REDIS_SENTINEL_MASTER');
    expect(() => redisOf({ REDIS_SENTINEL_MASTER: 'mymaster' })).toThrow('REDIS_SENTINEL_MASTER needs REDIS_SENTINELS');
    expect(() => redisOf({ REDIS_URL: 'redis://a:6379', REDIS_SENTINEL_PASSWORD: 'x' })).toThrow(
      'REDIS_SENTINEL_PASSWORD needs REDIS_SENTINELS',
    );
  });

  it('keeps standalone credentials in the URL, and refuses credentials with no Redis to use them on', () => {
    expect(() => redisOf({ REDIS_URL: 'redis://a:6379', REDIS_PASSWORD: 'x' })).toThrow(
      'REDIS_PASSWORD is not read with REDIS_URL: put the credentials in the URL',
    );
    expect(() => redisOf({ REDIS_USERNAME: 'x' })).toThrow(
      'REDIS_USERNAME needs REDIS_SENTINELS or REDIS_CLUSTER_NODES',
    );
  });

  it('names a bad node address and what it accepts', () => {
    expect(() => redisOf({ REDIS_CLUSTER_NODES: 'node-a' })).toThrow(
      'REDIS_CLUSTER_NODES must be a comma-separated list, each host:port',
    );
    expect(() => redisOf({ REDIS_SENTINELS: 'a:99999', REDIS_SENTINEL_MASTER: 'm' })).toThrow(
      'REDIS_SENTINELS must be',
    );
  });

  it('is described in logs without credentials', () => {
    expect(describeRedisTarget(redisOf({ REDIS_URL: 'redis://u:secret@cache:6380/2' }))).toBe('redis cache:6380');
    expect(
      describeRedisTarget(redisOf({ REDIS_SENTINELS: 'a:1,b:2', REDIS_SENTINEL_MASTER: 'm', REDIS_PASSWORD: 'p' })),
    ).toBe('redis sentinel master "m" via a:1,b:2');
    expect(describeRedisTarget(redisOf({ REDIS_CLUSTER_NODES: 'a:7000' }))).toBe('redis cluster via a:7000');
  });
});
