import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConsistencyTokens } from './consistency-tokens';
import { DatabaseHealthIndicator } from './database.health';
import { DatabaseStartup } from './database-startup';
import { ModuleDataSources } from './module-data-sources';
import { PrimaryDatabase } from './primary-database';
import { ReplicaSet } from './replica-set';
import { ReplicasHealth } from './replicas.health';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(primary: PrimaryDatabase, sources: ModuleDataSources, replicas: ReplicaSet): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TerminusModule],
      providers: [
        { provide: PrimaryDatabase, useValue: primary },
        { provide: ModuleDataSources, useValue: sources },
        { provide: ReplicaSet, useValue: replicas },
        ReplicasHealth,
        DatabaseStartup,
        DatabaseHealthIndicator,
        ConsistencyTokens,
      ],
      exports: [PrimaryDatabase, ModuleDataSources, ReplicaSet, DatabaseHealthIndicator],
    };
  }
}
