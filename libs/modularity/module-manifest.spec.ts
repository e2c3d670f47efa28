import { defineModule, moduleOfQueue } from './module-manifest';

describe('defineModule', () => {
  const base = { schema: 'payments', entities: [], migrations: [] };

  it("takes queues named after their module, and says whose a queue's jobs are", () => {
    const manifest = defineModule({ ...base, name: 'payments', queues: [{ name: 'payments.charges' }] });
    expect(manifest.queues).toEqual([{ name: 'payments.charges' }]);
    expect(moduleOfQueue('payments.charges')).toBe('payments');
    expect(moduleOfQueue('notes.jobs')).toBe('notes');
  });

  it("refuses a queue named after another module: its jobs would take that module's turn", () => {
    expect(() => defineModule({ ...base, name: 'payments', queues: [{ name: 'inventory.charges' }] })).toThrow(
      'module payments: queue "inventory.charges" must be named "payments.<name>"',
    );
    expect(() => defineModule({ ...base, name: 'payments', queues: [{ name: 'charges' }] })).toThrow(
      'must be named "payments.<name>"',
    );
  });
});
