import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { ProcessState } from '#libs/config';

/**
 * The timer under a module's sweeper (role `worker`: list it in the manifest's `processors`):
 * once the process has started, `sweepOnce` runs every `intervalMs` (SWEEP_INTERVAL_MS),
 * the first time at a random point of the first interval so that replicas started together
 * do not sweep in step, and never twice at once in one process. A sweep finds work waiting
 * past its deadline in PostgreSQL (the record; Redis is not) and drives it on through the
 * module's own use cases, which are idempotent: replicas may sweep at the same moment.
 * Shutdown stops the timer and waits for a sweep in progress.
 */
export abstract class PeriodicSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  protected constructor(
    private readonly state: ProcessState,
    private readonly intervalMs: number,
    /** Where a sweep that recovered something, or failed, is logged (a Nest `Logger`). */
    protected readonly logger: { warn(message: string): void },
    /** What is swept, for log lines: e.g. "overdue reservations". */
    private readonly what: string,
  ) {}

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
      .then((recovered) => {
        if (recovered) this.logger.warn(`${this.what}: ${recovered} (their jobs were lost or never came)`);
      })
      .catch((error: unknown) => this.logger.warn(`sweeping ${this.what} failed, will retry: ${String(error)}`))
      .finally(() => (this.running = undefined));
    await this.running;
    this.schedule(this.intervalMs);
  }
}
