import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { bullConnection, type QueueBackend } from '../queue-backend';

/**
 * BullMQ Queue handles for the inbox queues, created on first use. Any process may need
 * any inbox: a relay fans out to every subscriber, the dead-letter API lists them all.
 */
export class EventQueues {
  private readonly logger = new Logger('EventQueues');
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly backend: QueueBackend) {}

  get(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: bullConnection(this.backend), prefix: this.backend.prefix });
      queue.on('error', (error) => this.logger.warn(`queue ${name}: ${error.message}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
