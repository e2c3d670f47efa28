import type { ModuleManifest } from '#libs/modularity';
import { firstModules, WorkerPrecedence } from './worker-precedence';

/** A job that records when it started and finishes when told. */
function job(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: () => {
      log.push(`${name} started`);
      return done.then(() => name);
    },
    finish: () => finish(),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkerPrecedence', () => {
  it("holds another module's job while a first module's job runs, and starts it when none runs", async () => {
    const precedence = new WorkerPrecedence();
    const waited: string[] = [];
    precedence.configure({
      first: ['inventory', 'ordering'],
      maxWaitMs: 60_000,
      onWaited: (module, _ms, outcome) => waited.push(`${module} ${outcome}`),
    });
    const log: string[] = [];
    const reserve = job(log, 'reserve');
    const record = job(log, 'record');
    const charge = job(log, 'charge');
    const reserved = precedence.inTurn('inventory', reserve.run);
    const recorded = precedence.inTurn('ordering', record.run);
    const charged = precedence.inTurn('payments', charge.run);
    await tick();
    expect(log).toEqual(['reserve started', 'record started']);
    expect(precedence.load).toEqual({ running: 2, waiting: 1 });

    reserve.finish();
    await expect(reserved).resolves.toBe('reserve');
    expect(log).not.toContain('charge started'); // ordering's job still runs

    record.finish();
    await recorded;
    await tick();
    expect(log).toEqual(['reserve started', 'record started', 'charge started']);
    expect(waited).toEqual(['payments turn']);
    charge.finish();
    await expect(charged).resolves.toBe('charge');
    expect(precedence.load).toEqual({ running: 0, waiting: 0 });
  });

  it('starts a job at once when no first job runs, and never holds a first job', async () => {
    const precedence = new WorkerPrecedence();
    precedence.configure({ first: ['inventory'], maxWaitMs: 60_000 });
    const log: string[] = [];
    const mail = job(log, 'mail');
    const mailed = precedence.inTurn('notifications', mail.run);
    const reserve = job(log, 'reserve');
    const reserved = precedence.inTurn('inventory', reserve.run);
    await tick();
    expect(log).toEqual(['mail started', 'reserve started']);
    mail.finish();
    reserve.finish();
    await Promise.all([mailed, reserved]);
  });

  it('starts a waiting job when its longest wait runs out, the first jobs still running', async () => {
    const precedence = new WorkerPrecedence();
    const waited: Array<{ outcome: string; ms: number }> = [];
    precedence.configure({
      first: ['inventory'],
      maxWaitMs: 50,
      onWaited: (_m, ms, outcome) => waited.push({ outcome, ms }),
    });
    const log: string[] = [];
    const reserve = job(log, 'reserve');
    const reserved = precedence.inTurn('inventory', reserve.run);
    const charge = job(log, 'charge');
    const charged = precedence.inTurn('payments', charge.run);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(log).toEqual(['reserve started', 'charge started']);
    expect(waited).toHaveLength(1);
    expect(waited[0]!.outcome).toBe('max_wait');
    expect(waited[0]!.ms).toBeGreaterThanOrEqual(45);
    // Its timer is gone: the first job ending starts nothing twice.
    reserve.finish();
    charge.finish();
    await Promise.all([reserved, charged]);
    expect(waited).toHaveLength(1);
  });

  it('lets a failing first job end its turn like one that succeeds', async () => {
    const precedence = new WorkerPrecedence();
    precedence.configure({ first: ['ordering'], maxWaitMs: 60_000 });
    const log: string[] = [];
    const failed = precedence.inTurn('ordering', () => Promise.reject(new Error('deadlock')));
    const mail = job(log, 'mail');
    const mailed = precedence.inTurn('notifications', mail.run);
    await expect(failed).rejects.toThrow('deadlock');
    await tick();
    expect(log).toEqual(['mail started']);
    mail.finish();
    await mailed;
  });

  it('orders nothing when no module goes first', async () => {
    const precedence = new WorkerPrecedence();
    precedence.configure({ first: [], maxWaitMs: 60_000 });
    const log: string[] = [];
    const charge = job(log, 'charge');
    const mail = job(log, 'mail');
    const both = [precedence.inTurn('payments', charge.run), precedence.inTurn('notifications', mail.run)];
    await tick();
    expect(log).toEqual(['charge started', 'mail started']);
    charge.finish();
    mail.finish();
    await Promise.all(both);
  });
});

describe('firstModules', () => {
  const manifests = [
    { name: 'inventory', jobsGoFirst: true },
    { name: 'ordering', jobsGoFirst: true },
    { name: 'payments' },
  ] as unknown as ModuleManifest[];

  it('takes the modules that declare it, unless WORKER_FIRST_MODULES says otherwise', () => {
    expect(firstModules(undefined, manifests)).toEqual(['inventory', 'ordering']);
    expect(firstModules(['payments'], manifests)).toEqual(['payments']);
    expect(firstModules(['none'], manifests)).toEqual([]);
  });
});
