import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisTarget } from '#libs/config';
import { watchRedisClient } from '#libs/observability';
import { createRedisClient, type RedisClient } from '#libs/redis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

// One round trip: count the hit, start the window on the first one, report time left.
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}`;

/**
 * Fixed-window counters in Redis, so N replicas together enforce the limit one process
 * would. (The Nest ecosystem's Redis storage does not support NestJS 12 yet; this is the
 * one script it would run.)
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly redis: RedisClient;

  constructor(
    target: RedisTarget,
    private readonly prefix: string,
  ) {
    // One key per script call: on a Cluster it runs on the node owning the key's slot.
    this.redis = createRedisClient(target, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectionName: 'tessera:rate-limit',
    });
    this.redis.on('error', () => undefined);
    watchRedisClient(this.redis, 'rate-limit');
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    name: string,
  ): Promise<ThrottlerStorageRecord> {
    const [hits, remainingMs] = (await this.redis.eval(HIT, 1, `${this.prefix}:rate:${name}:${key}`, String(ttl))) as [
      number,
      number,
    ];
    const timeToExpire = Math.max(1, Math.ceil(remainingMs / 1000));
    return {
      totalHits: hits,
      timeToExpire,
      isBlocked: hits > limit,
      timeToBlockExpire: hits > limit ? timeToExpire : 0,
    };
  }

  close(): void {
    this.redis.disconnect();
  }
}
