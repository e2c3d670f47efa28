import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { describeError, PrimaryDatabase } from '#libs/database';
import { HealthContributors } from '#libs/health';
import { watchRedisClient } from '#libs/observability';
import { createRedisClient, type RedisClient } from '#libs/redis';
import { QUEUE_BACKEND } from './tokens';
import type { QueueBackend } from './queue-backend';

/**
 * Readiness of the queue backend. Terminus has no Redis indicator, so this keeps its own
 * small client: it fails fast instead of queueing commands while Redis is away, and logs
 * each loss and recovery of the connection once.
 */
@Injectable()
export class QueueHealthIndicator implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('QueueBackend');
  private readonly redis: RedisClient | undefined;
  private lastReady = true;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly primary: PrimaryDatabase,
    private readonly contributors: HealthContributors,
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
  ) {
    if (backend.kind === 'redis') {
      this.redis = createRedisClient(backend.target, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectionName: 'tessera:health',
        retryStrategy: (times) => Math.min(times * 200, 2000),
      });
      this.redis.on('error', () => undefined);
      // The queue backend's reachability as the metrics see it; BullMQ's own connections wait it out.
      watchRedisClient(this.redis, 'queue-health');
      this.redis.on('ready', () => this.transition(true));
      this.redis.on('close', () => this.transition(false));
    }
  }

  onModuleInit(): void {
    this.contributors.add('queues', () => this.check());
  }

  private transition(ready: boolean, reason = 'connection closed'): void {
    if (ready === this.lastReady) return;
    this.lastReady = ready;
    if (ready) this.logger.log('queue backend (redis) is reachable again');
    else this.logger.error(`queue backend (redis) unreachable: ${reason}`);
  }

  async check(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('queues');
    try {
      if (this.redis) {
        await withTimeout(this.redis.ping(), 1000);
      } else {
        await this.primary.ping(2000);
      }
      return indicator.up({ backend: this.backend.kind });
    } catch (error) {
      return indicator.down({ backend: this.backend.kind, message: describeError(error) });
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
