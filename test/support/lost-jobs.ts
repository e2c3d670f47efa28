import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import { REDIS_URL } from './services';

/**
 * Deletes every Redis key of one queue under a prefix (SCAN + DEL): what a Redis restarted
 * without persistence, a failover with asynchronous replication or an eviction does to that
 * queue's jobs, while the app keeps running. Answers how many keys went.
 */
export async function loseQueue(prefix: string, queue: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:${queue}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A BullMQ handle on one of the app's job queues (Redis backend), to look at its jobs. */
export function redisQueue(prefix: string, name: string): Queue {
  const url = new URL(REDIS_URL);
  return new Queue(name, { prefix, connection: { host: url.hostname, port: Number(url.port || 6379) } });
}

/** The value of `sweeper_recovered_total{module,kind}` on an app's `/metrics` (0 when absent). */
export async function recovered(appUrl: string, module: string, kind: string): Promise<number> {
  const text = (await request(appUrl).get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith(`sweeper_recovered_total{module="${module}",kind="${kind}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}
