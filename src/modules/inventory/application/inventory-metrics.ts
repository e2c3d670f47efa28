import { Counter } from 'prom-client';
import { registeredMetric } from '#libs/observability';

/**
 * Reservations released because they expired (the order was not confirmed in time), by the
 * reservation sweeper of this process. Routine, unlike `sweeper_recovered_total`: the sweeper
 * is how reservations expire, not a recovery of lost jobs.
 */
export const reservationsExpired = registeredMetric(
  'inventory_reservations_expired_total',
  () =>
    new Counter({
      name: 'inventory_reservations_expired_total',
      help: 'Reservations released by the reservation sweeper because they were still held past their expiry',
    }),
);
