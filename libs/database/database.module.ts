import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from './database.health';
import { DatabaseStartup } from './database-startup';
import { ModuleDataSources } from './module-data-sources';
import { PrimaryDatabase } from './primary-database';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(primary: PrimaryDatabase, sources: ModuleDataSources): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TerminusModule],
      providers: [
        { provide: PrimaryDatabase, useValue: primary },
        { provide: ModuleDataSources, useValue: sources },
        DatabaseStartup,
        DatabaseHealthIndicator,
      ],
      exports: [PrimaryDatabase, ModuleDataSources, DatabaseHealthIndicator],
    };
  }
}
