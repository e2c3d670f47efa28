import { DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { Gauge } from 'prom-client';
import type { Runtime } from '#libs/config';
import { MetricsController } from './metrics.controller';
import { registeredMetric } from './registered-metric';

const info = registeredMetric(
  'tessera_info',
  () =>
    new Gauge({
      name: 'tessera_info',
      help: 'Tessera build and process selection (always 1)',
      labelNames: ['version', 'commit', 'modules', 'roles'],
    }),
);

/**
 * One series per module the process runs, so a dashboard can list modules and pick the
 * instances that run one (`tessera_info`'s `modules` is a comma list, which PromQL cannot split).
 */
const moduleInfo = registeredMetric(
  'tessera_module_info',
  () =>
    new Gauge({
      name: 'tessera_module_info',
      help: 'A module this process runs, with its roles (always 1)',
      labelNames: ['module', 'roles'],
    }),
);

@Module({})
export class MetricsModule {
  static forRoot(runtime: Runtime): DynamicModule {
    const roles = runtime.selection.roles.join(',');
    info.set(
      { version: runtime.version, commit: runtime.commit, modules: runtime.selection.modules.join(','), roles },
      1,
    );
    for (const module of runtime.selection.modules) moduleInfo.set({ module, roles }, 1);
    return {
      module: MetricsModule,
      imports: [
        PrometheusModule.register({
          path: '/metrics',
          controller: MetricsController,
          defaultMetrics: { enabled: true },
        }),
      ],
    };
  }
}
