import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { moduleOfQueue } from '#libs/modularity';
import { waitingOutDatabaseOutages } from './database-outage';
import { workerPrecedence } from './worker-precedence';

/** How quickly the jobs of a worker that died are handed to another (BullMQ's stalled-job recovery). */
export interface JobRecovery {
  /** How long a job's lock lasts without renewal; a live worker renews it every half of this. */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired. */
  readonly stalledIntervalMs?: number;
}

type JobHost = { process(...args: unknown[]): Promise<unknown> };

/**
 * Marks a WorkerHost as the processor of a queue. Workers are created paused: QueueWorkers
 * starts them once the process has started (schema migrated), so a worker never takes a
 * job its module's tables are not ready for. Its jobs take their turn by their module (the
 * queue name's first part, which defineModule enforces): see WorkerPrecedence; and a job that
 * fails because the database cannot be reached waits the outage out without spending an attempt.
 */
export function JobProcessor(queueName: string, recovery: JobRecovery = {}): ClassDecorator {
  const module = moduleOfQueue(queueName);
  return (target) => {
    // The one hook on every job of the queue: @nestjs/bullmq binds `process` when it creates the worker.
    const prototype = target.prototype as JobHost;
    const process = prototype.process;
    prototype.process = function (this: JobHost, ...args: unknown[]) {
      const [job, token] = args as [Job, string | undefined];
      return waitingOutDatabaseOutages(job, token, () =>
        workerPrecedence.inTurn(module, () => process.apply(this, args)),
      );
    };
    Processor(queueName, {
      autorun: false,
      ...(recovery.lockDurationMs ? { lockDuration: recovery.lockDurationMs } : {}),
      ...(recovery.stalledIntervalMs ? { stalledInterval: recovery.stalledIntervalMs } : {}),
    })(target);
  };
}
