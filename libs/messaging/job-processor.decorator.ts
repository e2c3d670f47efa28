import { Processor } from '@nestjs/bullmq';

/**
 * Marks a WorkerHost as the processor of a queue. Workers are created paused: QueueWorkers
 * starts them once the process has started (schema migrated), so a worker never takes a
 * job its module's tables are not ready for.
 */
export function JobProcessor(queueName: string): ClassDecorator {
  return Processor(queueName, { autorun: false });
}
