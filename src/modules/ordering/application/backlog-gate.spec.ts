import { BacklogLimit, type OrderBacklog } from '../domain/order-backlog';
import { OrderingError } from '../domain/ordering-errors';
import { BACKLOG_READ_EVERY_MS, BacklogGate } from './backlog-gate';

/** A backlog held in memory: what the saga holds now, and the reads asked of it. */
class BacklogInMemory {
  orders = 0;
  readonly reads: number[] = [];
  failing = false;

  async read(countUpTo: number): Promise<OrderBacklog> {
    this.reads.push(countUpTo);
    if (this.failing) throw new Error('connection refused');
    return { orders: Math.min(this.orders, countUpTo), oldestAgeSeconds: this.orders > 0 ? 3 : 0 };
  }
}

const admission = (reader: BacklogInMemory, limit: number) =>
  new BacklogGate(
    new BacklogLimit(limit),
    (countUpTo) => reader.read(countUpTo),
    () => undefined,
  );

const refusal = async (work: Promise<unknown>) => {
  try {
    await work;
    return 'admitted';
  } catch (error) {
    return error instanceof OrderingError ? error.code : String(error);
  }
};

describe('BacklogGate', () => {
  afterEach(() => jest.useRealTimers());

  it('reads the backlog once a second, counting up to twice the limit, shared by concurrent orders', async () => {
    jest.useFakeTimers({ now: 0 });
    const backlog = new BacklogInMemory();
    const gate = admission(backlog, 10);
    await Promise.all([gate.admit(), gate.admit(), gate.admit()]);
    expect(backlog.reads).toEqual([20]);
    jest.setSystemTime(BACKLOG_READ_EVERY_MS - 1);
    await gate.admit();
    expect(backlog.reads).toHaveLength(1);
    jest.setSystemTime(BACKLOG_READ_EVERY_MS);
    await gate.admit();
    expect(backlog.reads).toHaveLength(2);
  });

  it('adds the orders it admitted since the last read, so a second of orders cannot overshoot the limit', async () => {
    jest.useFakeTimers({ now: 0 });
    const backlog = new BacklogInMemory();
    backlog.orders = 1;
    const gate = admission(backlog, 3);
    expect(await refusal(gate.admit())).toBe('admitted'); // 1 in the saga
    expect(await refusal(gate.admit())).toBe('admitted'); // 1 + 1 admitted since
    expect(await refusal(gate.admit())).toBe('order-backlog-full'); // 1 + 2 = the limit
    // The next read sees the saga drained: room again, the count since the read restarts.
    backlog.orders = 0;
    jest.setSystemTime(BACKLOG_READ_EVERY_MS);
    expect(await refusal(gate.admit())).toBe('admitted');
  });

  it('takes every order without reading when the limit is 0', async () => {
    const backlog = new BacklogInMemory();
    backlog.orders = 1_000_000;
    expect(await refusal(admission(backlog, 0).admit())).toBe('admitted');
    expect(backlog.reads).toEqual([]);
  });

  it('admits on the last reading when the backlog cannot be read: the order fails on its own write if the database is gone', async () => {
    jest.useFakeTimers({ now: 0 });
    const backlog = new BacklogInMemory();
    const gate = admission(backlog, 2);
    backlog.orders = 5;
    expect(await refusal(gate.admit())).toBe('order-backlog-full');
    backlog.failing = true;
    jest.setSystemTime(BACKLOG_READ_EVERY_MS);
    expect(await refusal(gate.admit())).toBe('order-backlog-full');
    // The last reading, counted up to twice the limit.
    expect(await gate.backlog()).toEqual({ orders: 4, oldestAgeSeconds: 3 });
  });

  it('tries a failed read again a second later, not at every order, while the database is gone', async () => {
    jest.useFakeTimers({ now: 0 });
    const backlog = new BacklogInMemory();
    backlog.failing = true;
    const gate = admission(backlog, 100);
    for (let i = 0; i < 5; i++) expect(await refusal(gate.admit())).toBe('admitted');
    expect(backlog.reads).toHaveLength(1);
    jest.setSystemTime(BACKLOG_READ_EVERY_MS);
    await gate.admit();
    expect(backlog.reads).toHaveLength(2);
  });

  it('does not add up the orders tried during an outage against the limit once the database is back', async () => {
    jest.useFakeTimers({ now: 0 });
    const backlog = new BacklogInMemory();
    backlog.failing = true;
    const gate = admission(backlog, 5);
    for (let second = 0; second < 3; second++) {
      jest.setSystemTime(second * BACKLOG_READ_EVERY_MS);
      for (let i = 0; i < 4; i++) expect(await refusal(gate.admit())).toBe('admitted');
    }
    // Back, within the second after the last failed read: 4 tried since then, not 12.
    backlog.failing = false;
    jest.setSystemTime(2.5 * BACKLOG_READ_EVERY_MS);
    expect(await refusal(gate.admit())).toBe('admitted');
    expect(await refusal(gate.admit())).toBe('order-backlog-full');
  });
});
