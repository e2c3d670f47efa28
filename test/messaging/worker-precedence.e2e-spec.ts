import { Queue, Worker, type Job } from 'bullmq';
import { WorkerPrecedence } from '../../libs/messaging/worker-precedence';
import { REDIS_URL, uniqueId } from '../support/services';
import { queueBackends } from '../support/queue-backends';

/**
 * Real BullMQ workers of two modules in one process, on Redis: a job of the module that does
 * not go first is taken (locked, active) but starts only when the first module's job is done,
 * or when its longest wait runs out.
 */
describe('worker precedence between the queues of one process', () => {
  const redis = queueBackends().find((backend) => backend.name === 'redis')!;
  const prefix = redis.env().QUEUE_PREFIX!;
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const opened: Array<Queue | Worker> = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((closable) => closable.close()));
  });
  afterAll(() => redis.cleanup());

  interface Run {
    startedAt?: number;
    endedAt?: number;
  }

  /** A queue of `module` whose jobs take `ms` each and record when they ran, by job name. */
  function moduleQueue(module: string, precedence: WorkerPrecedence, ms: number) {
    const name = `${module}.${uniqueId('jobs')}`;
    const runs = new Map<string, Run>();
    const queue = new Queue(name, { connection, prefix });
    const worker = new Worker(
      name,
      (job: Job) =>
        precedence.inTurn(module, async () => {
          const run: Run = { startedAt: performance.now() };
          runs.set(job.name, run);
          await new Promise((resolve) => setTimeout(resolve, ms));
          run.endedAt = performance.now();
        }),
      { connection, prefix, concurrency: 4 },
    );
    opened.push(worker, queue);
    return { queue, worker, runs };
  }

  async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('starts a charge only after the reservation that ran when it was taken, and keeps it locked meanwhile', async () => {
    const precedence = new WorkerPrecedence();
    const waits: string[] = [];
    precedence.configure({ first: ['inventory'], maxWaitMs: 30_000, onWaited: (m, _ms, o) => waits.push(`${m} ${o}`) });
    const inventory = moduleQueue('inventory', precedence, 600);
    const payments = moduleQueue('payments', precedence, 10);

    await inventory.queue.add('reserve', {});
    await until(() => inventory.runs.has('reserve'), 'the reservation to start');
    const charge = await payments.queue.add('charge', {});
    await until(async () => (await charge.getState()) === 'active', 'the charge to be taken');
    // Taken and locked by this process's worker, but not started while the reservation runs.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(payments.runs.has('charge')).toBe(false);
    expect(await charge.getState()).toBe('active');

    await until(() => payments.runs.get('charge')?.endedAt !== undefined, 'the charge to run');
    expect(payments.runs.get('charge')!.startedAt!).toBeGreaterThanOrEqual(inventory.runs.get('reserve')!.endedAt!);
    await until(async () => (await charge.getState()) === 'completed', 'the charge to complete');
    expect(waits).toEqual(['payments turn']);
  });

  it('starts a charge when its longest wait runs out, however long the reservations run', async () => {
    const precedence = new WorkerPrecedence();
    const waits: string[] = [];
    precedence.configure({ first: ['inventory'], maxWaitMs: 250, onWaited: (m, _ms, o) => waits.push(`${m} ${o}`) });
    const inventory = moduleQueue('inventory', precedence, 2_000);
    const payments = moduleQueue('payments', precedence, 10);

    await inventory.queue.add('reserve', {});
    await until(() => inventory.runs.has('reserve'), 'the reservation to start');
    await payments.queue.add('charge', {});
    await until(() => payments.runs.get('charge')?.endedAt !== undefined, 'the charge to run');
    expect(inventory.runs.get('reserve')!.endedAt).toBeUndefined();
    expect(waits).toEqual(['payments max_wait']);
  });

  it('holds nothing in a process that runs one module only (a split deployment)', async () => {
    const precedence = new WorkerPrecedence();
    precedence.configure({ first: ['inventory'], maxWaitMs: 30_000 });
    const payments = moduleQueue('payments', precedence, 300);
    await payments.queue.addBulk([
      { name: 'charge-1', data: {} },
      { name: 'charge-2', data: {} },
    ]);
    await until(() => payments.runs.size === 2, 'both charges to start');
    // Both at once (concurrency 4): neither waited for the other.
    const [first, second] = [...payments.runs.values()];
    expect(second!.startedAt!).toBeLessThan(first!.startedAt! + 300);
  });
});
