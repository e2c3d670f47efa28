import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { OrderAdmission } from './order-admission';

/**
 * The saga's backlog on /metrics, from the reading back-pressure uses (at most one statement a
 * second). Every process running ordering reports the same database-wide figures: alerts and
 * panels take the `max` over processes.
 */
@Injectable()
export class OrderBacklogMetrics implements OnModuleInit {
  constructor(private readonly admission: OrderAdmission) {}

  onModuleInit(): void {
    // Several apps may start in one process (tests): the gauges read the latest one's admission.
    const admission = this.admission;
    register.removeSingleMetric('ordering_backlog_orders');
    register.removeSingleMetric('ordering_backlog_oldest_age_seconds');
    register.removeSingleMetric('ordering_backlog_limit');
    new Gauge({
      name: 'ordering_backlog_limit',
      help: 'ORDER_BACKLOG_LIMIT: orders in the saga beyond which new orders are refused (0: no limit)',
    }).set(admission.limit.limit);
    new Gauge({
      name: 'ordering_backlog_orders',
      help: 'Orders placed and not yet confirmed or cancelled (counted up to twice ORDER_BACKLOG_LIMIT)',
      async collect() {
        this.set((await admission.backlog()).orders);
      },
    });
    new Gauge({
      name: 'ordering_backlog_oldest_age_seconds',
      help: 'Age of the oldest order placed and not yet confirmed or cancelled (0 when none)',
      async collect() {
        this.set((await admission.backlog()).oldestAgeSeconds);
      },
    });
  }
}
