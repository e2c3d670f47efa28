import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { ProcessState } from '#libs/config';
// The file, not the lib's index (which loads Nest): unit tests run sweepers without Nest.
import { RepeatedFailureLog, type FailureLogSink } from '../observability/repeated-failure-log';

/**
 * The timer under a sweeper (docs/decisions/0002-deadlines-and-sweepers.md; list it in `processors`).
 * First run at a random point so replicas do not sweep in step; never two at once in one process.
 */
export abstract class PeriodicSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly failures: RepeatedFailureLog;

  protected constructor(
    private readonly state: ProcessState,
    private readonly intervalMs: number,
    /** Where a sweep that recovered something, or failed, is logged (a Nest `Logger`). */
    protected readonly logger: FailureLogSink,
    /** What is swept, for log lines: e.g. "overdue reservations". */
    private readonly what: string,
  ) {
    this.failures = new RepeatedFailureLog(logger, `sweeping ${what} failed, will retry`, 'on-success');
  }

  /** One sweep; answers a summary of what it recovered, or undefined when it found nothing. */
  protected abstract sweepOnce(): Promise<string | undefined>;

  onApplicationBootstrap(): void {
    this.state.onStarted(() => {
      if (this.state.draining || this.stopped) return;
      this.schedule(Math.random() * this.intervalMs);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.state.draining) return;
    this.running = this.sweepOnce()
      .then(
        (recovered) => {
          this.failures.succeeded();
          if (recovered) this.logger.warn(`${this.what}: ${recovered} (their jobs were lost or never came)`);
        },
        (error: unknown) => this.failures.failed(String(error)),
      )
      .finally(() => (this.running = undefined));
    await this.running;
    this.schedule(this.intervalMs);
  }
}
