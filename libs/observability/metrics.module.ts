import { DynamicModule, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { Gauge, register } from 'prom-client';
import type { Runtime } from '#libs/config';
import { MetricsController } from './metrics.controller';

@Module({})
export class MetricsModule {
  static forRoot(runtime: Runtime): DynamicModule {
    const info =
      (register.getSingleMetric('tessera_info') as Gauge<'version' | 'modules' | 'roles'> | undefined) ??
      new Gauge({
        name: 'tessera_info',
        help: 'Tessera build and process selection (always 1)',
        labelNames: ['version', 'modules', 'roles'],
      });
    info.set(
      {
        version: runtime.version,
        modules: runtime.selection.modules.join(','),
        roles: runtime.selection.roles.join(','),
      },
      1,
    );
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
