import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../../test/support/free-port';
import { stopChild, waitFor } from './processes';

export interface PrivateRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * A Redis server of the bench's own (no persistence), so that `total_commands_processed`
 * counts only what the app under test sent: the shared CI Redis also serves whatever test
 * suite runs beside the bench.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // refused until the server listens: the poll retries
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    },
    'the bench Redis',
    10_000,
  );
  return { url, stop: () => stopChild(child) };
}
