import { DynamicModule, Global, Module } from '@nestjs/common';
import type { RedisTarget } from '#libs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, ThrottlerStorageService } from '@nestjs/throttler';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/** Rate limits for every route (and `RateLimiter` for paths that answer before Nest's pipeline): counters in Redis when configured, so replicas share them. */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(redis: RedisTarget | undefined, prefix: string, enabled: boolean): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRoot({
          // Limits come from settings per group in RateLimitGuard; this entry only names the throttler.
          throttlers: [{ name: 'default', ttl: 60_000, limit: 1 }],
          storage: redis ? new RedisThrottlerStorage(redis, prefix) : new ThrottlerStorageService(),
        }),
      ],
      // Switched off (RATE_LIMIT_ENABLED=false), no guard at all: a guard that only says yes still costs every request.
      providers: [RateLimiter, ...(enabled ? [{ provide: APP_GUARD, useClass: RateLimitGuard }] : [])],
      exports: [RateLimiter],
    };
  }
}
