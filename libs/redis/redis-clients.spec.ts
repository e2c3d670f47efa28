import { loadSettings } from '../config/load-settings';
import { clusterOptions, nodeOptions, queueKeyPrefix } from './redis-clients';

const behaviour = { connectionName: 'tessera:test', maxRetriesPerRequest: null };

describe('Redis clients for a target', () => {
  it('hash-tags the queue prefix on a Cluster only, so each queue keeps its keys in one slot', () => {
    expect(queueKeyPrefix(loadSettings({ REDIS_CLUSTER_NODES: 'a:7000' }, []).redis, 'tessera')).toBe('{tessera}');
    expect(queueKeyPrefix(loadSettings({ REDIS_URL: 'redis://a:6379' }, []).redis, 'tessera')).toBe('tessera');
    expect(queueKeyPrefix(undefined, 'tessera')).toBe('tessera');
  });

  it('reads host, credentials, database and TLS from REDIS_URL', () => {
    const { redis } = loadSettings({ REDIS_URL: 'rediss://user:p%40ss@cache:6380/3' }, []);
    expect(nodeOptions(redis as never, behaviour)).toMatchObject({
      host: 'cache',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 3,
      tls: {},
      connectionName: 'tessera:test',
      maxRetriesPerRequest: null,
    });
  });

  it('asks the sentinels for the master and follows its failovers', () => {
    const { redis } = loadSettings(
      { REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_PASSWORD: 'p' },
      [],
    );
    expect(nodeOptions(redis as never, behaviour)).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      password: 'p',
      failoverDetector: true,
    });
  });

  it('gives every cluster node the credentials and the client behaviour', () => {
    const { redis } = loadSettings({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_USERNAME: 'u', REDIS_PASSWORD: 'p' }, []);
    expect(clusterOptions(redis as never, { ...behaviour, enableOfflineQueue: false })).toEqual({
      redisOptions: { username: 'u', password: 'p', connectionName: 'tessera:test', maxRetriesPerRequest: null },
      enableOfflineQueue: false,
    });
  });
});
