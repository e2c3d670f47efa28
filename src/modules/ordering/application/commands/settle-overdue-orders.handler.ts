import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { OrderingSettings } from '../../ordering.settings';
import { sweeperRecovered } from '#libs/observability';
import { OrderTransitions } from '../order-transitions';
import { OrderStore } from '../ports/order-store';

/** Orders one batch looks at; a sweep takes batches until one comes back short. */
const BATCH = 200;
/** At most this many batches per sweep, so that one sweep never runs for long. */
const MAX_BATCHES = 25;

export interface SettledOrders {
  /** `pending` or `stock_reserved` orders cancelled `timed_out`. */
  readonly timedOut: number;
  /** `paid` orders confirmed. */
  readonly confirmed: number;
}

export class SettleOverdueOrders extends Command<SettledOrders> {}

/**
 * Settles orders still unsettled ORDER_DEADLINE_SECONDS after they were placed
 * (`Order.deadlinePassed`; docs/decisions/0002-deadlines-and-sweepers.md). One transaction per
 * order, decided again under its lock, so an event or another replica settling it meanwhile
 * makes this a no-op. Counted in `sweeper_recovered_total{module="ordering"}`.
 */
@CommandHandler(SettleOverdueOrders)
export class SettleOverdueOrdersHandler implements ICommandHandler<SettleOverdueOrders> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transitions: OrderTransitions,
    @Inject(SETTINGS) private readonly settings: OrderingSettings,
    private readonly orders: OrderStore,
  ) {}

  async execute(): Promise<SettledOrders> {
    let timedOut = 0;
    let confirmed = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const overdue = await this.orders.pastDeadline(this.settings.orderDeadlineSeconds, BATCH);
      let settledNow = 0;
      // In random order: replicas sweeping the same rows at once mostly take different ones.
      for (const orderId of shuffled(overdue)) {
        const applied = await this.dataSource.transaction((manager) =>
          this.transitions.apply(manager, orderId, (order, now) => order.deadlinePassed(now)),
        );
        const change = applied?.change;
        if (change?.kind === 'cancelled') {
          timedOut++;
          settledNow++;
          sweeperRecovered.inc({ module: 'ordering', kind: 'timed_out' });
        } else if (change?.kind === 'confirmed') {
          confirmed++;
          settledNow++;
          sweeperRecovered.inc({ module: 'ordering', kind: 'confirmed' });
        }
      }
      if (overdue.length < BATCH || settledNow === 0) break;
    }
    return { timedOut, confirmed };
  }
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
