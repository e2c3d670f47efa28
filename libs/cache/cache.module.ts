import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { RedisTarget } from '#libs/config';
import { InvalidationBus } from './invalidation-bus';
import { ReadCache } from './read-cache';

class CacheLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(ReadCache) private readonly cache: ReadCache,
    @Inject(InvalidationBus) private readonly bus: InvalidationBus,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
    this.bus.close();
  }
}

/** The read cache every module may use for its read models. */
@Global()
@Module({})
export class CacheModule {
  static forRoot(options: { ttlSeconds: number; redis: RedisTarget | undefined; prefix: string }): DynamicModule {
    return {
      module: CacheModule,
      providers: [
        { provide: InvalidationBus, useFactory: () => new InvalidationBus(options.redis, options.prefix) },
        {
          provide: ReadCache,
          useFactory: (bus: InvalidationBus) =>
            new ReadCache({ ttlSeconds: options.ttlSeconds, redis: options.redis, prefix: options.prefix }, bus),
          inject: [InvalidationBus],
        },
        CacheLifecycle,
      ],
      exports: [ReadCache],
    };
  }
}
