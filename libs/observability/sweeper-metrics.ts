import { Counter } from 'prom-client';
import { registeredMetric } from './registered-metric';

/**
 * Waiting work a sweeper found in PostgreSQL past its deadline and drove on (released,
 * scheduled again, settled), by module and kind. Above zero, the job that carried the work
 * was lost (Redis restarted empty, a failover, an eviction) or never came: the work was
 * recovered, and the queue's durability is worth a look.
 */
export const sweeperRecovered = registeredMetric(
  'sweeper_recovered_total',
  () =>
    new Counter({
      name: 'sweeper_recovered_total',
      help: 'Waiting work found past its deadline in PostgreSQL and driven on by a sweeper (its job was lost or never came)',
      labelNames: ['module', 'kind'],
    }),
);
