import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { promoteDelayedJob, retimeDelayedJob } from '../../libs/messaging/delayed-job';
import { redisQueues } from '../support/queue-backends';
import { REDIS_URL } from '../support/services';

/**
 * Hastening and retiming delayed jobs on real BullMQ queues: a job that is no longer delayed
 * (started or gone) is left as it is without an error; a queue that cannot be reached fails.
 */
describe('delayed jobs', () => {
  const backend = redisQueues();
  const prefix = backend.env().QUEUE_PREFIX!;
  let queue: Queue;

  beforeAll(() => {
    queue = new Queue('delayed', { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix });
  });
  afterAll(async () => {
    await queue.close();
    await backend.cleanup();
  });

  const delayed = () => queue.add('job', {}, { jobId: randomUUID(), delay: 60_000 });

  it('starts a delayed job now, and takes starting it again as done', async () => {
    const job = await delayed();
    await promoteDelayedJob(job);
    expect(await job.getState()).toBe('waiting');
    await expect(promoteDelayedJob(job)).resolves.toBeUndefined();
    await expect(retimeDelayedJob(job, 1000)).resolves.toBeUndefined();
    expect(await job.getState()).toBe('waiting');
  });

  it('retimes a delayed job', async () => {
    const job = await delayed();
    await retimeDelayedJob(job, 1000);
    const retimed = await queue.getJob(job.id!);
    expect(await retimed!.getState()).toBe('delayed');
    expect(retimed!.delay).toBe(1000);
  });

  it('leaves a job that is gone, or was never found, alone', async () => {
    const job = await delayed();
    await job.remove();
    await expect(promoteDelayedJob(job)).resolves.toBeUndefined();
    await expect(retimeDelayedJob(job, 1000)).resolves.toBeUndefined();
    await expect(promoteDelayedJob(undefined)).resolves.toBeUndefined();
  });

  it('still fails when the queue cannot be reached', async () => {
    const job = await delayed();
    const closing = new Queue('delayed', { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix });
    const stranded = await closing.getJob(job.id!);
    await closing.close();
    await expect(promoteDelayedJob(stranded)).rejects.toThrow();
    await expect(retimeDelayedJob(stranded, 1000)).rejects.toThrow();
    expect(await job.getState()).toBe('delayed');
  });
});
