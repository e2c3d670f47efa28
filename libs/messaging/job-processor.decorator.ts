import { Processor } from '@nestjs/bullmq';

/** How quickly the jobs of a worker that died are handed to another (BullMQ's stalled-job recovery). */
export interface JobRecovery {
  /** How long a job's lock lasts without renewal; a live worker renews it every half of this. */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired. */
  readonly stalledIntervalMs?: number;
}

/**
 * Marks a WorkerHost as the processor of a queue. Workers are created paused: QueueWorkers
 * starts them once the process has started (schema migrated), so a worker never takes a
 * job its module's tables are not ready for.
 */
export function JobProcessor(queueName: string, recovery: JobRecovery = {}): ClassDecorator {
  return Processor(queueName, {
    autorun: false,
    ...(recovery.lockDurationMs ? { lockDuration: recovery.lockDurationMs } : {}),
    ...(recovery.stalledIntervalMs ? { stalledInterval: recovery.stalledIntervalMs } : {}),
  });
}
