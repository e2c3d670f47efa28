import { Counter, Gauge } from 'prom-client';
import { registeredMetric } from './registered-metric';

/** What these metrics read of an ioredis client: its status and three of its events. */
export interface WatchedRedisClient {
  readonly status: string;
  on(event: 'reconnecting' | 'error' | 'end', listener: () => void): unknown;
}

/** The live clients by the name they are reported under; a client leaves when it ends for good. */
const clients = new Map<WatchedRedisClient, string>();

registeredMetric(
  'redis_client_connected',
  () =>
    new Gauge({
      name: 'redis_client_connected',
      help: 'Redis clients this process opened itself: 1 while connected and ready, 0 while away (connecting, reconnecting), by client',
      labelNames: ['client'],
      // Read at scrape time: commands pay nothing for this gauge.
      collect() {
        this.reset();
        const ready = new Map<string, boolean>();
        for (const [client, name] of clients) ready.set(name, (ready.get(name) ?? true) && client.status === 'ready');
        for (const [client, up] of ready) this.set({ client }, up ? 1 : 0);
      },
    }),
);

const reconnects = registeredMetric(
  'redis_client_reconnects_total',
  () =>
    new Counter({
      name: 'redis_client_reconnects_total',
      help: 'Reconnection attempts of the Redis clients this process opened itself, by client',
      labelNames: ['client'],
    }),
);

const errors = registeredMetric(
  'redis_client_errors_total',
  () =>
    new Counter({
      name: 'redis_client_errors_total',
      help: 'Errors the Redis clients this process opened itself reported (lost connections, refused connects), by client',
      labelNames: ['client'],
    }),
);

/**
 * Reports a Redis client's connection under `name` (`redis_client_*`). Only its connection
 * events are listened to, never its commands, so the hot paths pay nothing.
 */
export function watchRedisClient(client: WatchedRedisClient, name: string): void {
  clients.set(client, name);
  // Series at 0 from the start, so rate() and increase() see the first reconnect.
  reconnects.inc({ client: name }, 0);
  errors.inc({ client: name }, 0);
  client.on('reconnecting', () => reconnects.inc({ client: name }));
  client.on('error', () => errors.inc({ client: name }));
  client.on('end', () => clients.delete(client));
}
