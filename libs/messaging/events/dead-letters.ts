import { ErrorCode, type Job } from 'bullmq';
import type { EventEnvelope } from '#libs/contracts';
import { EVENT_BATCH_JOB, type EventBatch } from './delivery-jobs';
import type { EventQueues } from './event-queues';
import { inboxQueueName, type SubscriptionTable } from './subscription-table';

export interface DeadLetter {
  /** `<subscriber>/<job id>`: what replay takes. */
  readonly id: string;
  readonly subscriber: string;
  readonly event: string;
  readonly eventId: string;
  readonly aggregateId: string;
  readonly attempts: number;
  readonly reason: string;
  readonly failedAt: string | null;
  readonly payload: unknown;
}

const PAGE = 500;

/**
 * Events whose handling failed for good: the failed jobs of every inbox queue. Listed and
 * replayed from any process, since the queues live in the shared backend.
 */
export class DeadLetters {
  constructor(
    private readonly subscriptions: SubscriptionTable,
    private readonly queues: EventQueues,
  ) {}

  async list(limit: number, offset: number): Promise<{ items: DeadLetter[]; total: number }> {
    const all: DeadLetter[] = [];
    for (const subscriber of this.subscriptions.subscribingModules().sort()) {
      const queue = this.queues.get(inboxQueueName(subscriber));
      const count = await queue.getFailedCount();
      for (let start = 0; start < count; start += PAGE) {
        const jobs = (await queue.getFailed(start, start + PAGE - 1)) as Job<EventEnvelope | EventBatch>[];
        all.push(...jobs.filter(Boolean).map((job) => this.describe(subscriber, job)));
      }
    }
    all.sort((a, b) => (a.failedAt ?? '').localeCompare(b.failedAt ?? '') || a.id.localeCompare(b.id));
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  /** Moves dead letters back to their queue with a fresh attempt count; ids that are none are notFound. */
  async replay(ids: readonly string[] | 'all'): Promise<{ replayed: string[]; notFound: string[] }> {
    const targets = ids === 'all' ? (await this.list(Number.MAX_SAFE_INTEGER, 0)).items.map((d) => d.id) : ids;
    const replayed: string[] = [];
    const notFound: string[] = [];
    for (const id of new Set(targets)) {
      if (await this.replayOne(id)) replayed.push(id);
      else notFound.push(id);
    }
    return { replayed, notFound };
  }

  /**
   * Retries the failed job without asking its state first: the queue checks it in the same atomic
   * step, so of two replays at once one wins and the other learns the job is no longer failed.
   */
  private async replayOne(id: string): Promise<boolean> {
    const [subscriber, jobId] = id.split('/', 2);
    if (!subscriber || !jobId || !this.subscriptions.subscribingModules().includes(subscriber)) return false;
    const job = await this.queues.get(inboxQueueName(subscriber)).getJob(jobId);
    if (!job) return false;
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    } catch (error) {
      if (notADeadLetter(error)) return false;
      throw error;
    }
  }

  private describe(subscriber: string, job: Job<EventEnvelope | EventBatch>): DeadLetter {
    // A batch fails as a whole only when its failed events could not be queued apart; its
    // letter names the first event and carries them all.
    const batch = job.name === EVENT_BATCH_JOB ? (job.data as EventBatch).events : undefined;
    const first = batch ? batch[0] : (job.data as EventEnvelope);
    return {
      id: `${subscriber}/${job.id}`,
      subscriber,
      event: batch ? `${batch.length} events` : job.name,
      eventId: first?.id ?? '',
      aggregateId: first?.aggregateId ?? '',
      attempts: job.attemptsMade,
      reason: job.failedReason,
      failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      payload: batch ?? first?.payload,
    };
  }
}

/**
 * BullMQ's answer, on Redis and on PostgreSQL alike, when the job is gone ("Missing key for job …")
 * or in another state than failed ("Job … is not in the failed state"): another replay got it first,
 * or it was never a dead letter.
 */
export function notADeadLetter(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ErrorCode.JobNotExist || code === ErrorCode.JobNotInState) return true;
  return /is not in the failed state|does not exist|Missing key for job/.test(String(error));
}
