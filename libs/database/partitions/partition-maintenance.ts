import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ProcessState } from '#libs/config';
import { maintainDailyPartitions, type DailyPartitionedTable } from './daily-partitions';

/** How often a process looks after its modules' partitioned tables. */
export const PARTITION_MAINTENANCE_INTERVAL_MS = 60 * 60_000;

/**
 * The timer that keeps partitions ready ahead and drops expired ones: at start-up, then hourly.
 * Every process running the table's module runs it, whatever its roles (an API process alone
 * must still find today's partition); the advisory lock in `maintainDailyPartitions` lets one
 * do the work per table and the others pass.
 */
export class PartitionMaintenance implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tables: readonly DailyPartitionedTable[],
    private readonly state: ProcessState,
    owner: string,
  ) {
    this.logger = new Logger(`Partitions:${owner}`);
  }

  onApplicationBootstrap(): void {
    this.state.onStarted(() => {
      if (this.state.draining || this.stopped) return;
      void this.run();
      this.timer = setInterval(() => void this.run(), PARTITION_MAINTENANCE_INTERVAL_MS);
      this.timer.unref();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the tables; a pass still running is not started again. */
  run(): Promise<void> {
    this.running ??= this.maintainAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async maintainAll(): Promise<void> {
    for (const table of this.tables) {
      if (this.stopped) return;
      try {
        const outcome = await maintainDailyPartitions(
          (work) => this.dataSource.transaction((manager) => work(manager)),
          table,
        );
        if (outcome.created.length + outcome.dropped.length > 0) {
          this.logger.log(
            `${table.schema}.${table.table}: created ${outcome.created.join(', ') || 'none'}; dropped ${outcome.dropped.join(', ') || 'none'}`,
          );
        }
      } catch (error) {
        this.logger.warn(`maintaining ${table.schema}.${table.table} failed, will retry: ${String(error)}`);
      }
    }
  }
}
