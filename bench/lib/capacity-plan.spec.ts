import {
  budgetShares,
  formatPlan,
  parseDurationMs,
  perModulePoolConnections,
  planCapacity,
  poolSizeFor,
  sharedBudgetConnections,
  DEFAULT_CONNECTION_OPTIONS,
} from './capacity-plan';
import type { LoadRun } from './load';
import type { BenchResults, ScenarioResult } from './results';
import { spread } from './stats';

function openRun(targetRate: number, p99: number, extra: Partial<LoadRun> = {}): LoadRun {
  return {
    connections: 100,
    targetRate,
    seconds: 8,
    rps: targetRate,
    okRps: targetRate,
    requests: targetRate * 8,
    ok: targetRate * 8,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    latencyMs: { p50: p99 / 4, p90: p99 / 2, p99, max: p99 * 2 },
    ...extra,
  };
}

function scenario(overrides: Partial<ScenarioResult> & Pick<ScenarioResult, 'name'>): ScenarioResult {
  return {
    description: 'test mix',
    unit: 'req/s',
    orderShare: 0,
    closed: { connections: 10, value: spread([2000]), runs: [] },
    open: [openRun(1000, 15), openRun(1600, 120)],
    baselines: [],
    ratios: {},
    perRequest: { commits: 0.1, dbBusyMs: 2, redisOps: 3 },
    ...overrides,
  };
}

const results: BenchResults = {
  version: 1,
  date: '2026-12-01',
  quick: false,
  settings: {
    seconds: 8,
    warmupSeconds: 3,
    repeat: 3,
    connections: 10,
    openLoopConnections: 100,
    products: 10_000,
    orderableProducts: 50,
    users: 1000,
    databasePoolSize: 5,
    moduleDataSources: 6,
  },
  machine: {
    cpus: 2,
    model: 'test cpu',
    memoryGb: 8,
    kernel: 'x',
    node: 'v24',
    postgres: '15',
    postgresMaxConnections: 100,
    redis: '7',
    loadAverageAtStart: 0,
  },
  scenarios: [
    scenario({ name: 'mixed', orderShare: 0.1 }),
    scenario({
      name: 'place-order',
      orderShare: 1,
      sagaOrdersPerSecond: 200,
      baselines: [{ name: 'pgbench TPC-B, 10 clients', unit: 'TPS', value: spread([2500]) }],
      perRequest: { commits: 4, dbBusyMs: 10, redisOps: 20 },
    }),
  ],
  concurrency: [],
  scaling: { points: [] },
  goals: [],
};

/** Like the 2026-11-28 run: 724 req/s a replica (7 for 5,000 req/s), 48.6 orders/s a worker (11), so 19 processes. */
const likeTheRun: BenchResults = {
  ...results,
  scenarios: [
    scenario({ name: 'mixed', orderShare: 0.1, open: [openRun(452, 169), openRun(724, 109)] }),
    scenario({ name: 'place-order', orderShare: 1, sagaOrdersPerSecond: 48.6 }),
  ],
};
const fiveThousandMixed = { rps: 5000, p99Ms: 200, mix: 'mixed' } as const;

describe('capacity planner', () => {
  it('parses p99 targets in ms or s', () => {
    expect(parseDurationMs('200ms')).toBe(200);
    expect(parseDurationMs('0.2s')).toBe(200);
    expect(parseDurationMs('50')).toBe(50);
    expect(() => parseDurationMs('fast')).toThrow(/not a duration/);
  });

  it('sizes replicas at the highest measured rate within the p99 target', () => {
    const loose = planCapacity(results, { rps: 5000, p99Ms: 200, mix: 'mixed' });
    expect(loose.perReplicaRps).toBe(1600);
    expect(loose.apiReplicas).toBe(4); // 5000 / 1600 = 3.1
    expect(loose.p99TargetMetAtMeasuredRate).toBe(true);
    const tight = planCapacity(results, { rps: 5000, p99Ms: 20, mix: 'mixed' });
    expect(tight.perReplicaRps).toBe(1000);
    expect(tight.apiReplicas).toBe(5);
  });

  it('ignores rates that were not served in full or had errors', () => {
    const flaky: BenchResults = {
      ...results,
      scenarios: [
        scenario({
          name: 'mixed',
          open: [openRun(1000, 15), openRun(1600, 30, { okRps: 1200 }), openRun(1400, 30, { non2xx: 3 })],
        }),
      ],
    };
    expect(planCapacity(flaky, { rps: 5000, p99Ms: 200, mix: 'mixed' }).perReplicaRps).toBe(1000);
  });

  it("applies Little's law and the measured per-request costs", () => {
    const plan = planCapacity(results, { rps: 5000, p99Ms: 200, mix: 'mixed' });
    expect(plan.busyDbConnections).toBeCloseTo(10); // 5000/s × 2 ms
    expect(plan.busyDbConnectionsPerReplica).toBeCloseTo(3.2); // 1600/s × 2 ms
    expect(plan.postgresCommitsPerSecond).toBeCloseTo(500);
    expect(plan.postgresShareOfTpcb).toBeCloseTo(0.2);
    expect(plan.redisOpsPerSecond).toBeCloseTo(15_000);
    expect(plan.ordersPerSecond).toBeCloseTo(500);
    expect(plan.workerProcesses).toBe(3); // 500 / 200 = 2.5
    expect(plan.processes).toBe(4 + 3 + 1);
  });

  it('warns when the target exceeds what was measured or what the database allows', () => {
    const plan = planCapacity(results, { rps: 5000, p99Ms: 5, mix: 'mixed' });
    expect(plan.p99TargetMetAtMeasuredRate).toBe(false);
    expect(plan.warnings.join('\n')).toMatch(/no measured arrival rate/);
    expect(plan.warnings.join('\n')).not.toMatch(/max_connections/); // 5 + 3 + 1 = 9 processes × 9 = 81 ≤ 96
    const orders = planCapacity(results, { rps: 1000, p99Ms: 200, mix: 'place-order' });
    expect(orders.postgresCommitsPerSecond).toBe(4000);
    expect(orders.warnings.join('\n')).toMatch(/the primary, not the replicas/);
  });

  it('splits one budget into requests, events and, on the PostgreSQL queue backend, queues', () => {
    const worker = { servesRequests: false, deliversEvents: true };
    const full = { servesRequests: true, deliversEvents: true };
    expect(budgetShares(8, 'redis')).toEqual({ requests: 8, events: 0, queues: 0 }); // an API replica
    expect(budgetShares(8, 'postgres')).toEqual({ requests: 6, events: 0, queues: 2 });
    expect(budgetShares(8, 'redis', worker)).toEqual({ requests: 0, events: 8, queues: 0 });
    expect(budgetShares(8, 'redis', full)).toEqual({ requests: 6, events: 2, queues: 0 });
    expect(budgetShares(8, 'postgres', full)).toEqual({ requests: 4, events: 2, queues: 2 });
    expect(budgetShares(3, 'postgres')).toEqual({ requests: 2, events: 0, queues: 1 }); // at least one for queues
    // 7.6 busy needs a requests share of 11 (0.7 × 11 = 7.7; 0.7 × 10 = 7).
    expect(poolSizeFor(7.6, 'redis')).toBe(11);
    expect(poolSizeFor(7.6, 'postgres')).toBe(14); // 14 − ⌊14 / 4⌋ = 11; 13 − 3 = 10
    expect(poolSizeFor(2, 'redis')).toBe(3); // 0.7 × 3 = 2.1
  });

  it('counts the per-module pools of before: processes × modules × pool, messaging pools and LISTEN', () => {
    const counts = { apiReplicas: 7, workerProcesses: 11, relayProcesses: 1, apiAndEventProcesses: 0 };
    const before = perModulePoolConnections(counts, 5, 6);
    expect(before.modulePools).toBe(570); // 19 × 6 × 5
    expect(before.messagingPools).toBe(0);
    expect(before.listeners).toBe(6); // one per module's relay
    expect(before.primary).toBe(576);
    expect(before.perReplica).toBe(19 * 6 * 3); // read pools of max(2, ⌈5 / 2⌉)
    // One full process (every role) also had a messaging pool per module.
    const full = perModulePoolConnections(
      { apiReplicas: 1, workerProcesses: 0, relayProcesses: 0, apiAndEventProcesses: 1 },
      5,
      6,
    );
    expect(full.primary).toBe(6 * 5 + 6 * 3);
  });

  it('counts one budget + one LISTEN per process, direct or behind PgBouncer', () => {
    const after = sharedBudgetConnections(19, { ...DEFAULT_CONNECTION_OPTIONS, maxConnections: 100 });
    expect(after.perProcess).toBe(9);
    expect(after.direct.primary).toBe(171); // 19 × (8 + 1)
    expect(after.direct.perReplica).toBe(152); // 19 × 8, no listener on a replica
    expect(after.reservedConnections).toBe(4); // superuser_reserved_connections 3 + migrations 1
    expect(after.availableConnections).toBe(96);
    expect(after.direct.maxProcesses).toBe(10); // ⌊(100 − 3 − 1) / 9⌋
    expect(after.pooler.clientConnections).toBe(152); // 19 × 8
    expect(after.pooler.poolers).toBe(1);
    expect(after.pooler.serverConnections).toBe(20 + 19); // default_pool_size + the LISTEN connections
    expect(after.pooler.maxProcessesByClientConn).toBe(125); // ⌊1000 / 8⌋
    expect(after.pooler.maxProcessesByServer).toBe(76); // 96 − 20 pooled, one LISTEN each
    expect(after.pooler.maxProcesses).toBe(76);

    const big = sharedBudgetConnections(200, {
      ...DEFAULT_CONNECTION_OPTIONS,
      poolSize: 10,
      maxConnections: 500,
      adminConnections: 5,
    });
    expect(big.availableConnections).toBe(491);
    expect(big.direct.maxProcesses).toBe(44); // ⌊491 / 11⌋
    expect(big.pooler.clientConnections).toBe(2000);
    expect(big.pooler.poolers).toBe(2); // ⌈2000 / 1000⌉
    expect(big.pooler.serverConnections).toBe(2 * 20 + 200);
    expect(big.pooler.maxProcesses).toBe(100); // ⌊1000 / 10⌋ < 491 − 20

    // On the PostgreSQL queue backend the queues share, like LISTEN, bypasses the pooler.
    const queues = sharedBudgetConnections(19, {
      ...DEFAULT_CONNECTION_OPTIONS,
      maxConnections: 100,
      queueBackend: 'postgres',
    });
    expect(queues.direct.primary).toBe(171); // the same budget without a pooler
    expect(queues.direct.perReplica).toBe(19 * 6); // requests and events shares only
    expect(queues.pooler.clientConnections).toBe(19 * 6);
    expect(queues.pooler.serverConnections).toBe(20 + 19 * 3); // 1 LISTEN + 2 queues each
    expect(queues.pooler.maxProcessesByClientConn).toBe(166); // ⌊1000 / 6⌋
    expect(queues.pooler.maxProcessesByServer).toBe(25); // ⌊(96 − 20) / 3⌋
    expect(queues.pooler.maxProcesses).toBe(25);
  });

  it('plans before and after for 5,000 req/s of mixed, and tells to put PgBouncer in front', () => {
    const plan = planCapacity(likeTheRun, fiveThousandMixed);
    expect([plan.apiReplicas, plan.workerProcesses, plan.relayProcesses, plan.processes]).toEqual([7, 11, 1, 19]);
    expect(plan.connections.before.primary).toBe(570 + 6);
    expect(plan.connections.after.direct.primary).toBe(171);
    expect(plan.connections.after.pooler.clientConnections).toBe(152);
    expect(plan.connections.after.pooler.serverConnections).toBe(39);
    const warnings = plan.warnings.join('\n');
    expect(warnings).toMatch(/19 processes hold 171 connections on the primary.*96 of max_connections=100.*PgBouncer/);
    expect(warnings).toMatch(/at most 10 processes/);
    expect(warnings).not.toMatch(/behind PgBouncer/); // 152 ≤ 1000 clients, 39 ≤ 96 server connections

    // A bigger server takes them directly; a smaller PgBouncer needs company.
    const roomy = planCapacity(likeTheRun, fiveThousandMixed, { maxConnections: 400 });
    expect(roomy.connections.after.direct.maxProcesses).toBe(44); // ⌊396 / 9⌋
    expect(roomy.warnings.join('\n')).not.toMatch(/without a pooler/);
    const small = planCapacity(likeTheRun, fiveThousandMixed, { poolSize: 20, poolerMaxClientConn: 300 });
    expect(small.connections.after.pooler.clientConnections).toBe(380);
    expect(small.warnings.join('\n')).toMatch(/380 client connections.*max_client_conn=300.*run 2 PgBouncers/);
    expect(small.connections.after.pooler.serverConnections).toBe(2 * 20 + 19);
    const tight = planCapacity(likeTheRun, fiveThousandMixed, { poolerPoolSize: 90 });
    expect(tight.warnings.join('\n')).toMatch(/the primary still gets 109 connections/); // 90 + 19 > 96
  });

  it("warns when Little's law fills 70 % of the requests share of one budget", () => {
    const withDbTime = (dbBusyMs: number): BenchResults => ({
      ...results,
      scenarios: [scenario({ name: 'mixed', perRequest: { commits: 0.1, dbBusyMs, redisOps: 3 } })],
    });
    const plan = (dbBusyMs: number, queueBackend: 'redis' | 'postgres' = 'redis') =>
      planCapacity(withDbTime(dbBusyMs), fiveThousandMixed, { queueBackend });
    const warnings = (dbBusyMs: number, queueBackend: 'redis' | 'postgres' = 'redis') =>
      plan(dbBusyMs, queueBackend).warnings.join('\n');
    expect(warnings(3)).not.toMatch(/connections busy/); // 1,600/s × 3 ms = 4.8 ≤ 0.7 × 8
    expect(warnings(3, 'postgres')).toMatch(
      /4\.8 connections busy.*requests share of its budget \(6 of DATABASE_POOL_SIZE=8\).*DATABASE_POOL_SIZE=9 gives them 7/,
    ); // 0.7 × 6 = 4.2; 9 − 2 = 7
    expect(warnings(10)).toMatch(
      /16\.0 connections busy.*\(8 of DATABASE_POOL_SIZE=8\).*DATABASE_POOL_SIZE=23 gives them 23/,
    );
    expect(plan(10).suggestedPoolSize).toBe(23); // 16 / 0.7 = 22.9
  });

  it('names its assumptions in the printed plan', () => {
    const text = formatPlan(planCapacity(results, { rps: 5000, p99Ms: 200, mix: 'mixed' }), 'x.json');
    expect(text).toMatch(/API replicas: +4/);
    expect(text).toMatch(/without a pooler: +72 on the primary \(8 × 9\), 64 on each replica/);
    expect(text).toMatch(/with PgBouncer: +64 client connections .* 28 server connections/);
    expect(text).toMatch(/primary: +246 +\(240 module pools \+ 0 messaging \+ 6 LISTEN\)/);
    expect(text).toMatch(/Assumptions:/);
    expect(text).toMatch(/Little|pg_stat_database/);
  });

  it('refuses a mix the results do not have', () => {
    expect(() => planCapacity(results, { rps: 10, p99Ms: 200, mix: 'health' })).toThrow(/no 'health' scenario/);
  });
});
