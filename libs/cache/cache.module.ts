import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { InvalidationBus } from './invalidation-bus';
import { ReadCache, type ReadCacheOptions } from './read-cache';

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
  static forRoot(options: ReadCacheOptions): DynamicModule {
    return {
      module: CacheModule,
      providers: [
        { provide: InvalidationBus, useFactory: () => new InvalidationBus(options.redis, options.prefix) },
        {
          provide: ReadCache,
          useFactory: (bus: InvalidationBus) => new ReadCache(options, bus),
          inject: [InvalidationBus],
        },
        CacheLifecycle,
      ],
      exports: [ReadCache],
    };
  }
}
