import type { JobsOptions } from 'bullmq';
import { eventKey, type EventEnvelope } from '#libs/contracts';
import type { Settings } from '#libs/config';

/** The name of a job that delivers several events to one subscriber, in outbox order. */
export const EVENT_BATCH_JOB = 'events';

export interface EventBatch {
  readonly events: readonly EventEnvelope[];
}

export interface DeliveryJob {
  readonly name: string;
  readonly data: EventEnvelope | EventBatch;
  readonly opts: JobsOptions;
}

type RetrySettings = Pick<Settings, 'eventMaxAttempts' | 'eventRetryDelayMs'>;

/**
 * The job that delivers one relay batch to one subscriber. A lone event is a job of its own,
 * named by its contract. Several events share one job, because a job costs the queue backend
 * about as much as the handling costs the database, so carrying a batch in one job saves the
 * saga most of its queue work. Under load a relay batch holds up to RELAY_BATCH_SIZE events.
 * The job id is derived from the events, so a batch that is published twice (a crash between
 * enqueue and commit) is deduplicated by the queue while the first job waits or runs. Failing
 * that, the consumer's inbox deduplicates it.
 */
export function deliveryJob(
  subscriber: string,
  events: readonly EventEnvelope[],
  settings: RetrySettings,
): DeliveryJob {
  const [first, ...rest] = events;
  if (!first) throw new Error(`no events to deliver to ${subscriber}`);
  if (rest.length === 0) return eventJob(subscriber, first, settings);
  const last = rest[rest.length - 1]!;
  return {
    name: EVENT_BATCH_JOB,
    data: { events },
    opts: { ...retried(settings), jobId: `${subscriber}_${first.id}_${last.id}_${events.length}` },
  };
}

/**
 * One event's own job. The consumer also uses it for an event that failed within a batch: that
 * event then retries, and is dead-lettered, on its own, under the same id as if it had been
 * published alone.
 */
export function eventJob(subscriber: string, event: EventEnvelope, settings: RetrySettings): DeliveryJob {
  return { name: eventKey(event), data: event, opts: { ...retried(settings), jobId: `${subscriber}_${event.id}` } };
}

function retried(settings: RetrySettings): JobsOptions {
  return {
    attempts: settings.eventMaxAttempts,
    backoff: { type: 'exponential', delay: settings.eventRetryDelayMs, jitter: 0.5 },
    // The job id deduplicates a re-publish while the first job waits or runs; once it has
    // completed (and is removed) the inbox does. Dead letters stay.
    removeOnComplete: true,
    removeOnFail: false,
  };
}
