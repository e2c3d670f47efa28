import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ProcessState } from '#libs/config';
import { IdempotencyKeys } from '#libs/http';

/** How often expired idempotency keys are deleted. */
export const IDEMPOTENCY_PRUNING_INTERVAL_MS = 15 * 60_000;

/**
 * Deletes idempotency keys past IDEMPOTENCY_KEY_TTL_HOURS (role `worker`): once the process
 * has started, then every 15 minutes. A plain timer rather than a job queue: each worker
 * process prunes on its own, which costs one cheap DELETE per process and period and no
 * queue connections. Expired keys already count as absent, so pruning late only lets the
 * table grow a little.
 */
@Injectable()
export class IdempotencyKeyPruning implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Ordering');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly keys: IdempotencyKeys,
    private readonly state: ProcessState,
  ) {}

  onApplicationBootstrap(): void {
    this.state.onStarted(() => {
      if (this.state.draining) return;
      this.prune();
      this.timer = setInterval(() => this.prune(), IDEMPOTENCY_PRUNING_INTERVAL_MS);
      this.timer.unref();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private prune(): void {
    if (this.running) return;
    this.running = this.keys
      .pruneExpired()
      .then((deleted) => {
        if (deleted > 0) this.logger.log(`pruned ${deleted} expired idempotency keys`);
      })
      .catch((error: unknown) => this.logger.warn(`pruning idempotency keys failed, will retry: ${String(error)}`))
      .finally(() => (this.running = undefined));
  }
}
