import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import { Client } from 'pg';
import request from 'supertest';
import { WorkerPrecedence } from '../../libs/messaging/worker-precedence';
import { REDIS_URL, uniqueId } from '../support/services';
import { queueBackends } from '../support/queue-backends';
import { startApp, type AppProcess } from '../support/app-process';
import { eventEnvelope } from '../support/event-envelope';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

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

/**
 * The app in one process (every module): an order's reservation blocked on a stock row the
 * test holds locked keeps an inventory job running; payments' job for another order, taken
 * meanwhile, starts only when the reservation is done. With WORKER_FIRST_MODULES=none it
 * does not wait.
 */
describe.each([
  { label: 'inventory and ordering first (the default)', env: {}, waits: true },
  { label: 'WORKER_FIRST_MODULES=none', env: { WORKER_FIRST_MODULES: 'none' }, waits: false },
])('the app in one process, $label', ({ env, waits }) => {
  const redis = queueBackends().find((backend) => backend.name === 'redis')!;
  let db: TestDatabase;
  let app: AppProcess;
  let holder: Client;
  beforeAll(async () => {
    db = await createTestDatabase('precedence');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...redis.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        WORKER_FIRST_MAX_WAIT_MS: '60000',
        ...env,
      },
    });
    holder = new Client({ connectionString: db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await app?.stop();
    await redis.cleanup();
    await db?.drop();
  });

  const placed = (sku: string) => {
    const orderId = randomUUID();
    const money = { amount: 1000, currency: 'EUR' };
    return eventEnvelope({
      name: 'ordering.order-placed',
      publisher: 'ordering',
      aggregateId: orderId,
      payload: {
        orderId,
        customerId: randomUUID(),
        lines: [{ productId: randomUUID(), sku, quantity: 1, unitPrice: money }],
        total: money,
        paymentMethod: 'pm_card_visa',
      },
    });
  };
  const handledBy = async (module: string, eventId: string) =>
    (await db.query(`SELECT 1 FROM ${module}.inbox WHERE event_id = $1`, [eventId])).length === 1;

  it(waits ? "holds payments' job until the reservation that was running is done" : 'holds nothing', async () => {
    const admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    const sku = `PREC-${randomUUID().slice(0, 8)}`;
    await request(app.url).put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: 5 }).expect(200);
    const inventoryInbox = inboxQueue(redis, 'inventory', db.url);
    const paymentsInbox = inboxQueue(redis, 'payments', db.url);
    try {
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM inventory.stock WHERE sku = $1 FOR UPDATE', [sku]);
      const reservation = placed(sku);
      await inventoryInbox.add('ordering.order-placed@1', reservation, { jobId: `test_${reservation.id}` });
      // The reservation's transaction is running, waiting for the row the test holds.
      await eventually(
        () =>
          db.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
            [holderPid],
          ),
        (rows) => Number(rows[0]!.n) > 0,
        { what: 'the reservation to wait for the stock row' },
      );

      const other = placed(`OTHER-${randomUUID().slice(0, 8)}`);
      const job = await paymentsInbox.add('ordering.order-placed@1', other, { jobId: `test_${other.id}` });
      if (waits) {
        await eventually(
          () => job.getState(),
          (state) => state === 'active',
          { what: "payments' job to be taken" },
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(await handledBy('payments', other.id)).toBe(false);
        expect(await job.getState()).toBe('active');
      } else {
        await eventually(
          () => handledBy('payments', other.id),
          (handled) => handled,
          { what: "payments' job to be handled, the reservation still waiting" },
        );
      }
      expect(await handledBy('inventory', reservation.id)).toBe(false);

      await holder.query('COMMIT');
      await eventually(
        async () => (await handledBy('inventory', reservation.id)) && (await handledBy('payments', other.id)),
        (both) => both,
        { what: 'both events to be handled' },
      );
      const metrics = (await request(app.url).get('/metrics').expect(200)).text;
      const waited = /worker_precedence_wait_seconds_count\{module="payments",outcome="turn"\} (\d+)/.exec(metrics);
      if (waits) expect(Number(waited?.[1])).toBeGreaterThanOrEqual(1);
      else expect(waited).toBeNull();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all([inventoryInbox.close(), paymentsInbox.close()]);
    }
  });
});
