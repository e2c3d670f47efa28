import { Counter, Histogram } from 'prom-client';
import { registeredMetric } from '#libs/observability';

/** Counters and timings of the event pipeline, by event key and module. */
export const eventMetrics = {
  published: registeredMetric(
    'events_published_total',
    () =>
      new Counter({
        name: 'events_published_total',
        help: 'Integration events the relay handed to subscriber queues',
        labelNames: ['event', 'module'],
      }),
  ),
  consumed: registeredMetric(
    'events_consumed_total',
    () =>
      new Counter({
        name: 'events_consumed_total',
        help: 'Integration events handled by a consumer (duplicates excluded)',
        labelNames: ['event', 'module'],
      }),
  ),
  duplicates: registeredMetric(
    'events_duplicates_total',
    () =>
      new Counter({
        name: 'events_duplicates_total',
        help: 'Redelivered integration events acknowledged without effect',
        labelNames: ['event', 'module'],
      }),
  ),
  failed: registeredMetric(
    'events_failed_total',
    () =>
      new Counter({
        name: 'events_failed_total',
        help: 'Failed handling attempts of integration events',
        labelNames: ['event', 'module'],
      }),
  ),
  deadLettered: registeredMetric(
    'events_dead_lettered_total',
    () =>
      new Counter({
        name: 'events_dead_lettered_total',
        help: 'Integration events moved to dead letters',
        labelNames: ['event', 'module'],
      }),
  ),
  eventsPerJob: registeredMetric(
    'event_delivery_job_events',
    () =>
      new Histogram({
        name: 'event_delivery_job_events',
        help: 'Events one inbox job delivered (a relay batch for one module carries many)',
        labelNames: ['module'],
        buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500],
      }),
  ),
  handlerDuration: registeredMetric(
    'event_handler_duration_seconds',
    () =>
      new Histogram({
        name: 'event_handler_duration_seconds',
        help: 'Integration event handler duration (transaction included)',
        labelNames: ['event', 'module'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      }),
  ),
};
