import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ProcessState, SETTINGS } from '#libs/config';
import type { OrderingSettings } from '../../ordering.settings';
import { PeriodicSweeper } from '#libs/modularity';
import { sweeperRecovered } from '#libs/observability';
import { SettleOverdueOrders } from '../../application/commands/settle-overdue-orders.handler';

/**
 * Every SWEEP_INTERVAL_MS, each worker process settles the orders still waiting
 * ORDER_DEADLINE_SECONDS after they were placed (README, "Deadlines").
 */
@Injectable()
export class OrderDeadlineSweeper extends PeriodicSweeper {
  constructor(
    private readonly commands: CommandBus,
    state: ProcessState,
    @Inject(SETTINGS) settings: OrderingSettings,
  ) {
    super(state, settings.sweepIntervalMs, new Logger('Ordering'), 'orders past their deadline');
    for (const kind of ['timed_out', 'confirmed']) sweeperRecovered.inc({ module: 'ordering', kind }, 0);
  }

  protected async sweepOnce(): Promise<string | undefined> {
    const { timedOut, confirmed } = await this.commands.execute(new SettleOverdueOrders());
    if (timedOut + confirmed === 0) return undefined;
    return `cancelled ${timedOut} timed_out, confirmed ${confirmed} paid`;
  }
}
