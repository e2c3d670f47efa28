import { Redis } from 'ioredis';
import { REDIS_URL, uniqueId } from './services';

export interface QueueBackendUnderTest {
  readonly name: 'redis' | 'postgres';
  /** Settings that select this backend with an isolated queue prefix. */
  env(): NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/** Every integration test that touches queues runs once per backend. */
export function queueBackends(): QueueBackendUnderTest[] {
  const prefix = uniqueId('q');
  return [
    redisQueues(prefix),
    // The PostgreSQL backend keeps queues in the test's own database, dropped with it.
    { name: 'postgres', env: () => ({ QUEUE_PREFIX: prefix }), cleanup: async () => undefined },
  ];
}

/** The shared Redis under a prefix of the test's own; `cleanup` deletes every key under it (queues, cache). */
export function redisQueues(prefix: string = uniqueId('q')): QueueBackendUnderTest {
  return {
    name: 'redis',
    env: () => ({ REDIS_URL, QUEUE_PREFIX: prefix }),
    cleanup: async () => {
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
