import { DynamicModule, Global, Module } from '@nestjs/common';
import { ProcessState } from './process-state';
import type { Settings } from './load-settings';
import { RUNTIME, SETTINGS, type Runtime } from './tokens';

/** Makes the validated settings, the process selection and its lifecycle state injectable. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(settings: Settings, runtime: Runtime, state: ProcessState): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: SETTINGS, useValue: settings },
        { provide: RUNTIME, useValue: runtime },
        { provide: ProcessState, useValue: state },
      ],
      exports: [SETTINGS, RUNTIME, ProcessState],
    };
  }
}
