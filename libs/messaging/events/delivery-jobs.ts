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
 * One relay batch for one subscriber in one job (docs/decisions/0027-one-job-per-relay-batch.md); a lone
 * event is a job named by its contract. The id comes from the events, so a batch published twice is deduplicated.
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

/** Also for an event that failed within a batch: it retries and dead-letters alone, under the same id. */
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
