import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisTarget } from '#libs/config';
import { watchRedisClient } from '#libs/observability';
import { createRedisClient, type RedisClient } from '#libs/redis';

/**
 * Carries cache invalidations to every replica of the deployment (Redis pub/sub), so a
 * change made through one replica is not served stale by another. Without Redis the
 * process is alone and invalidates only itself. On a Cluster, PUBLISH reaches the subscribers
 * of every node (the cluster bus carries it), so one subscriber connection to any node suffices.
 */
export class InvalidationBus {
  private readonly logger = new Logger('InvalidationBus');
  private readonly origin = randomUUID();
  private readonly listeners: ((keys: string[], changedAt: string | undefined) => void)[] = [];
  private readonly publisher: RedisClient | undefined;
  private readonly subscriber: RedisClient | undefined;
  private readonly channel: string;

  constructor(redis: RedisTarget | undefined, prefix: string) {
    this.channel = `${prefix}:cache:invalidate`;
    if (!redis) return;
    this.publisher = createRedisClient(redis, { maxRetriesPerRequest: 1, connectionName: 'tessera:cache-bus' });
    this.subscriber = createRedisClient(redis, { maxRetriesPerRequest: null, connectionName: 'tessera:cache-bus-sub' });
    for (const client of [this.publisher, this.subscriber]) client.on('error', () => undefined);
    watchRedisClient(this.publisher, 'cache-bus');
    watchRedisClient(this.subscriber, 'cache-bus-sub');
    this.subscriber
      .subscribe(this.channel)
      .catch((error: unknown) => this.logger.warn(`subscribe failed: ${String(error)}`));
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { origin, keys, changedAt } = JSON.parse(message) as {
          origin: string;
          keys: string[];
          changedAt?: string;
        };
        if (origin !== this.origin) this.emit(keys, changedAt);
      } catch {
        this.logger.warn('ignored a malformed invalidation message');
      }
    });
  }

  onInvalidate(listener: (keys: string[], changedAt: string | undefined) => void): void {
    this.listeners.push(listener);
  }

  /** `changedAt`: the WAL position of the change, when it is known. */
  async publish(keys: readonly string[], changedAt?: string): Promise<void> {
    this.emit([...keys], changedAt);
    await this.publisher
      ?.publish(this.channel, JSON.stringify({ origin: this.origin, keys, ...(changedAt ? { changedAt } : {}) }))
      .catch((error: unknown) => {
        this.logger.warn(`could not tell other replicas to drop ${keys.join(', ')}: ${String(error)}`);
      });
  }

  close(): void {
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
  }

  private emit(keys: string[], changedAt: string | undefined): void {
    for (const listener of this.listeners) listener(keys, changedAt);
  }
}
