import { createPostgresBackend, Queue } from 'bullmq';
import { REDIS_URL } from './services';
import type { QueueBackendUnderTest } from './queue-backends';

/** A BullMQ handle on a module's inbox queue, as the relay would use it, for tests that inject deliveries. */
export function inboxQueue(backend: QueueBackendUnderTest, module: string, databaseUrl: string): Queue {
  return queueOf(backend, `inbox.${module}`, databaseUrl);
}

/** A BullMQ handle on notifications' webhook delivery queue, for tests that add jobs as another release would. */
export function deliveryQueue(backend: QueueBackendUnderTest, databaseUrl: string): Queue {
  return queueOf(backend, 'notifications.webhook-deliveries', databaseUrl);
}

function queueOf(backend: QueueBackendUnderTest, name: string, databaseUrl: string): Queue {
  const prefix = backend.env().QUEUE_PREFIX as string;
  if (backend.name === 'redis') {
    const url = new URL(REDIS_URL);
    return new Queue(name, { prefix, connection: { host: url.hostname, port: Number(url.port || 6379) } });
  }
  const connection = { connectionString: databaseUrl, migrate: true, max: 2 };
  return new Queue(name, { prefix, connection } as never, createPostgresBackend as never);
}
