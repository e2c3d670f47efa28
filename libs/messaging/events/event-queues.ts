import { Queue } from 'bullmq';
import { bullConnection, type QueueBackend } from '../queue-backend';
import type { QueueConnectionLog } from '../queue-connection-log';

/**
 * BullMQ Queue handles for the inbox queues, created on first use. Any process may need
 * any inbox: a relay fans out to every subscriber, the dead-letter API lists them all.
 */
export class EventQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly backend: QueueBackend,
    private readonly connectionLog: QueueConnectionLog,
  ) {}

  get(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: bullConnection(this.backend), prefix: this.backend.prefix });
      this.connectionLog.watch(queue);
      this.queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
