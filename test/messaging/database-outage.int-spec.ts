import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Pool } from 'pg';
import { waitingOutDatabaseOutages } from '../../libs/messaging/database-outage';
import { eventually } from '../support/eventually';
import { redisQueues } from '../support/queue-backends';
import { POSTGRES_ADMIN_URL, REDIS_URL } from '../support/services';

/**
 * A job whose database cannot be reached waits the outage out on a real BullMQ queue: it is put
 * back delayed as often as needed without spending an attempt, and runs to completion once the
 * database answers. A wrong statement still spends its attempt.
 */
describe('a job while the database is out of reach', () => {
  const backend = redisQueues();
  const prefix = backend.env().QUEUE_PREFIX!;
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  // Nothing listens on port 1: every connection is refused, as from a database that is down.
  const down = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', max: 1 });
  const up = new Pool({ connectionString: POSTGRES_ADMIN_URL, max: 1 });
  let databaseBack = false;
  const runs = new Map<string, { attemptsMade: number; at: number }[]>();
  let queue: Queue;
  let worker: Worker;

  beforeAll(() => {
    queue = new Queue('outage', { connection, prefix });
    worker = new Worker(
      'outage',
      (job: Job<{ sql: string }>, token?: string) =>
        waitingOutDatabaseOutages(job, token, async () => {
          runs.set(job.id!, [...(runs.get(job.id!) ?? []), { attemptsMade: job.attemptsMade, at: Date.now() }]);
          return (await (databaseBack ? up : down).query(job.data.sql)).rowCount;
        }),
      { connection, prefix },
    );
  });
  afterAll(async () => {
    await worker.close();
    await queue.close();
    await Promise.all([down.end(), up.end()]);
    await backend.cleanup();
  });

  it('is put back without spending an attempt until the database answers, then completes', async () => {
    databaseBack = false;
    const job = await queue.add('query', { sql: 'SELECT 1' }, { jobId: randomUUID(), attempts: 1 });
    await eventually(
      () => Promise.resolve(runs.get(job.id!)?.length ?? 0),
      (n) => n >= 4,
      { what: 'four runs against the database that is down', timeoutMs: 20_000, intervalMs: 50 },
    );
    const state = await job.getState();
    expect(['delayed', 'waiting', 'active']).toContain(state);
    databaseBack = true;
    const done = await eventually(
      () => queue.getJob(job.id!),
      (found) => found?.finishedOn !== undefined,
      { what: 'the job finished', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(await done!.getState()).toBe('completed');
    expect(done!.returnvalue).toBe(1);
    const seen = runs.get(job.id!)!;
    // Its one attempt was never spent on the outage; it waited at least 0.25 s, at most 5 s between runs.
    expect(seen.map((run) => run.attemptsMade).every((made) => made === 0)).toBe(true);
    expect(done!.attemptsMade).toBeLessThanOrEqual(1);
    const gaps = seen.slice(1).map((run, i) => run.at - seen[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(200);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(5_500);
  });

  it('spends the attempt on a wrong statement, as any other failure', async () => {
    databaseBack = true;
    const job = await queue.add('query', { sql: 'SELECT FROM nowhere_at_all' }, { jobId: randomUUID(), attempts: 1 });
    const failed = await eventually(
      () => queue.getJob(job.id!),
      (found) => found?.finishedOn !== undefined,
      { what: 'the job failed', timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(await failed!.getState()).toBe('failed');
    expect(failed!.attemptsMade).toBe(1);
    expect(failed!.failedReason).toMatch(/nowhere_at_all/);
    expect(runs.get(job.id!)).toHaveLength(1);
  });
});
