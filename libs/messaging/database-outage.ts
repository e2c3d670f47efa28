import { DelayedError, type Job } from 'bullmq';
import { Counter } from 'prom-client';
// The files themselves, not the libs' indexes (which load Nest): an integration test runs this on real queues.
import { databaseUnreachable } from '../database/database-unreachable';
import { registeredMetric } from '../observability/registered-metric';

/** The first wait of a job put back during an outage; it doubles each time, up to the longest. */
const FIRST_WAIT_MS = 500;
/** A job put back runs again at most this long after the database is back. */
const LONGEST_WAIT_MS = 5_000;

const deferred = registeredMetric(
  'queue_jobs_deferred_total',
  () =>
    new Counter({
      name: 'queue_jobs_deferred_total',
      help: 'Jobs put back to wait, without spending an attempt, because the database could not be reached',
      labelNames: ['queue'],
    }),
);

/**
 * Runs a job. When it fails because the database cannot be reached (databaseUnreachable: refused,
 * failing over, PgBouncer's errors), the job is put back, delayed, without spending one of its
 * attempts: an outage longer than its backoff must not dead-letter work that was never wrong
 * (docs/decisions/0040-outages-spend-no-attempts.md). Any other error fails the attempt as usual.
 */
export async function waitingOutDatabaseOutages<T>(
  job: Job,
  token: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (token === undefined || !databaseUnreachable(error)) throw error;
    const putBack = await job
      .moveToDelayed(Date.now() + outageWaitMs(timesPutBack(job)), token)
      .then(() => true)
      // The queue is out of reach too (or the lock is lost): the attempt fails the usual way.
      .catch(() => false);
    if (!putBack) throw error;
    deferred.inc({ queue: job.queueName });
    throw new DelayedError(`database unreachable, waiting it out: ${String(error)}`);
  }
}

/**
 * How many times the job was put back since its last counted attempt: each start counts in
 * `attemptsStarted`, each failure in `attemptsMade`, a putting back in neither.
 */
function timesPutBack(job: Job): number {
  return Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);
}

/** Doubles from FIRST_WAIT_MS up to LONGEST_WAIT_MS, less up to half at random (jobs spread out). */
export function outageWaitMs(timesPutBack: number, random: number = Math.random()): number {
  const ceiling = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.min(timesPutBack, 16));
  return Math.round(ceiling * (1 - random / 2));
}
