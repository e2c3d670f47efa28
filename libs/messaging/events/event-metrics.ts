import { Counter, Histogram } from 'prom-client';
import { eventKey } from '#libs/contracts';
import { registeredMetric } from '#libs/observability';
import type { Subscription } from './subscription-table';

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
  republished: registeredMetric(
    'events_republished_total',
    () =>
      new Counter({
        name: 'events_republished_total',
        help: "Events published again because the subscriber's inbox had not recorded them by their deadline",
        labelNames: ['module', 'publisher'],
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

/**
 * Puts at 0 the series the alerts read with increase() for what `module` consumes: dead letters
 * per event, republished events per publisher. increase() cannot count a series' first sample, so
 * a series created at 1 (a process's first dead letter) would never fire an alert.
 */
export function zeroEventAlertCounters(module: string, subscriptions: readonly Subscription[]): void {
  for (const { event } of subscriptions) eventMetrics.deadLettered.inc({ event: eventKey(event), module }, 0);
  for (const publisher of new Set(subscriptions.map(({ event }) => event.publisher)))
    eventMetrics.republished.inc({ module, publisher }, 0);
}
