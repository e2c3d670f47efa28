import { ConnectionBudgetError, connectionShares } from './connection-budget';

const full = { servesRequests: true, deliversEvents: true, reservedForEvents: 2 };

describe('connectionShares', () => {
  it('splits a full process on Redis queues into requests and a reserved events share', () => {
    expect(connectionShares({ ...full, budget: 8, holdsQueues: false })).toEqual({ requests: 6, events: 2, queues: 0 });
  });

  it('gives the PostgreSQL queue backend a quarter of the budget', () => {
    expect(connectionShares({ ...full, budget: 8, holdsQueues: true })).toEqual({ requests: 4, events: 2, queues: 2 });
    expect(connectionShares({ ...full, budget: 3, holdsQueues: true })).toEqual({ requests: 1, events: 1, queues: 1 });
  });

  it('gives the whole budget to the one kind of work a process does', () => {
    const shares = (servesRequests: boolean) =>
      connectionShares({ ...full, budget: 8, holdsQueues: false, servesRequests, deliversEvents: !servesRequests });
    expect(shares(true)).toEqual({ requests: 8, events: 0, queues: 0 });
    expect(shares(false)).toEqual({ requests: 0, events: 8, queues: 0 });
  });

  it('always leaves requests at least one connection', () => {
    expect(connectionShares({ ...full, budget: 2, holdsQueues: false, reservedForEvents: 5 })).toEqual({
      requests: 1,
      events: 1,
      queues: 0,
    });
  });

  it('refuses a budget smaller than the kinds of work the process does', () => {
    expect(() => connectionShares({ ...full, budget: 2, holdsQueues: true })).toThrow(ConnectionBudgetError);
    expect(() => connectionShares({ ...full, budget: 1, holdsQueues: false })).toThrow(
      /DATABASE_POOL_SIZE=1 is too small for this process: it needs at least 2 \(one connection each for requests, event delivery\)/,
    );
  });
});
