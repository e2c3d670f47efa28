import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ProcessState, SETTINGS, type Settings } from '#libs/config';
import { retryUntilConnected } from './connection-retry';
import { describeError } from './describe-error';
import { ModuleDataSources } from './module-data-sources';
import { ReplicaSet } from './replica-set';
import { migrateModuleSchema } from './schema-migrations';

/**
 * Connects every module data source and migrates its schema in the background, after the
 * HTTP listener is up: a process whose database is down still answers /health/live and
 * reports 503 on /health/ready until the database comes back.
 */
@Injectable()
export class DatabaseStartup implements OnApplicationBootstrap {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly sources: ModuleDataSources,
    private readonly replicas: ReplicaSet,
    private readonly state: ProcessState,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  onApplicationBootstrap(): void {
    void this.connectAndMigrate().catch((error: unknown) => {
      this.logger.error(`start-up failed: ${describeError(error)}`);
      // Without its schema the process can never become ready; exiting lets the
      // orchestrator restart it and shows the failure instead of hiding it behind a probe.
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
  }

  private async connectAndMigrate(): Promise<void> {
    for (const { module, dataSource, messaging } of this.sources.all()) {
      await retryUntilConnected({
        attempt: async () => {
          if (!dataSource.isInitialized) await dataSource.initialize();
          if (!messaging.isInitialized) await messaging.initialize();
        },
        onFailure: (attempt, error, nextDelayMs) =>
          this.logger.warn(
            `module ${module.name}: database not reachable (attempt ${attempt}): ${describeError(error)}; retrying in ${nextDelayMs} ms`,
          ),
        firstDelayMs: this.settings.databaseConnectRetryMs,
        maxDelayMs: 10_000,
        stopped: () => this.state.draining,
      });
      if (this.state.draining) return;
    }
    for (const { module } of this.sources.all()) {
      const outcome = await migrateModuleSchema(this.sources, module.name);
      this.logger.log(
        outcome.applied.length > 0
          ? `module ${module.name}: applied migrations ${outcome.applied.join(', ')}`
          : `module ${module.name}: schema "${module.schema}" is up to date`,
      );
    }
    this.replicas.start();
    this.state.markStarted();
  }
}
