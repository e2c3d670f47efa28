import { DynamicModule, Module, type Type } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { CqrsModule } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuthModule } from '#libs/auth';
import { CacheModule } from '#libs/cache';
import { ConfigModule, ProcessState, type Runtime, type Settings } from '#libs/config';
import { DatabaseModule, ModuleDataSources, PrimaryDatabase, ReadDataSource, ReplicaSet } from '#libs/database';
import { HealthModule } from '#libs/health';
import {
  MessagingModule,
  moduleMessagingProviders,
  QueueModule,
  SubscriptionTable,
  type QueueBackend,
} from '#libs/messaging';
import type { ModuleManifest } from '#libs/modularity';
import { MetricsModule } from '#libs/observability';
import { RateLimitModule } from '#libs/http';

export interface Composition {
  readonly settings: Settings;
  readonly runtime: Runtime;
  readonly state: ProcessState;
  readonly manifests: readonly ModuleManifest[];
  readonly primary: PrimaryDatabase;
  readonly replicaSet: ReplicaSet;
  readonly dataSources: ModuleDataSources;
  readonly queueBackend: QueueBackend;
  /** Derived from every module's manifest, selected or not. */
  readonly subscriptions: SubscriptionTable;
}

/**
 * The composition root: platform modules every process has (config, database, queues,
 * health, metrics) plus one Nest module per selected bounded context, holding only the
 * parts of that context its roles call for.
 */
@Module({})
export class AppModule {
  static compose(composition: Composition): DynamicModule {
    const { settings, runtime, state, manifests, primary, replicaSet, dataSources, queueBackend, subscriptions } =
      composition;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(settings, runtime, state),
        CqrsModule.forRoot(),
        DatabaseModule.forRoot(primary, dataSources, replicaSet),
        QueueModule.forRoot(queueBackend),
        MessagingModule.forRoot(subscriptions, runtime.hasRole('api')),
        HealthModule,
        CacheModule.forRoot({
          ttlSeconds: settings.cacheTtlSeconds,
          staleIfErrorSeconds: settings.cacheStaleIfErrorSeconds,
          redis: settings.redis,
          prefix: settings.queuePrefix,
        }),
        // Guards run in this order: rate limit first, so refused requests cost no token check.
        RateLimitModule.forRoot(settings.redis, settings.queuePrefix, settings.rateLimitEnabled),
        AuthModule,
        MetricsModule.forRoot(runtime),
        ...manifests
          .filter((manifest) => runtime.selection.modules.includes(manifest.name))
          .map((manifest) => boundedContext(manifest, runtime, dataSources, replicaSet, subscriptions)),
      ],
    };
  }
}

function boundedContext(
  manifest: ModuleManifest,
  runtime: Runtime,
  dataSources: ModuleDataSources,
  replicaSet: ReplicaSet,
  subscriptions: SubscriptionTable,
): DynamicModule {
  const queues = manifest.queues ?? [];
  return {
    module: namedModuleClass(manifest.name),
    imports: [
      ...(manifest.imports ?? []),
      ...(queues.length > 0 ? [BullModule.registerQueue(...queues.map((queue) => ({ name: queue.name })))] : []),
    ],
    controllers: runtime.hasRole('api') ? [...(manifest.controllers ?? [])] : [],
    providers: [
      // Each context gets its own data source under the DataSource token, and no other.
      { provide: DataSource, useValue: dataSources.forModule(manifest.name) },
      // Its queries: replicas when configured and fit, else the primary.
      { provide: ReadDataSource, useValue: dataSources.readerFor(manifest.name, replicaSet) },
      ...(manifest.providers ?? []),
      ...(runtime.hasRole('api') ? (manifest.httpProviders ?? []) : []),
      ...(runtime.hasRole('worker') ? (manifest.processors ?? []) : []),
      ...(runtime.hasRole('relay') ? (manifest.relayProviders ?? []) : []),
      ...moduleMessagingProviders(
        manifest,
        runtime,
        dataSources.pools.listener(dataSources.urlOf(manifest.name)),
        dataSources.messagingFor(manifest.name),
        (publisher) => ({
          schema: subscriptions.schemaOf(publisher),
          pool: dataSources.pools.events(dataSources.databaseUrlOf(publisher)),
        }),
      ),
    ],
  };
}

/** Nest tells modules apart by class; each context gets its own, named for logs and errors. */
function namedModuleClass(name: string): Type {
  const className = `${name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Module`;
  const moduleClass = class {};
  Object.defineProperty(moduleClass, 'name', { value: className });
  return moduleClass;
}
