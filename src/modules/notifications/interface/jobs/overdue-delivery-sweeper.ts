import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ProcessState } from '#libs/config';
import { RedispatchOverdueDeliveries } from '../../application/commands/redispatch-overdue-deliveries.handler';

/** How often worker processes look for deliveries whose job was lost. */
export const OVERDUE_SWEEP_INTERVAL_MS = 60_000;

/**
 * A plain timer per worker process (like ordering's idempotency-key pruning): several
 * workers sweeping at once only re-add the same job ids, which BullMQ ignores.
 */
@Injectable()
export class OverdueDeliverySweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly commands: CommandBus,
    private readonly state: ProcessState,
  ) {}

  onApplicationBootstrap(): void {
    this.state.onStarted(() => {
      if (this.state.draining) return;
      this.timer = setInterval(() => this.sweep(), OVERDUE_SWEEP_INTERVAL_MS);
      this.timer.unref();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private sweep(): void {
    if (this.running) return;
    this.running = this.commands
      .execute(new RedispatchOverdueDeliveries())
      .then((count) => {
        if (count > 0) this.logger.warn(`scheduled ${count} overdue webhook deliveries again`);
      })
      .catch((error: unknown) => this.logger.warn(`sweeping overdue webhook deliveries failed: ${String(error)}`))
      .finally(() => (this.running = undefined));
  }
}
