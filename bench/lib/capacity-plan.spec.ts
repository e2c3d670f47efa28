import { formatPlan, parseDurationMs, planCapacity } from './capacity-plan';
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
    expect(plan.configuredDbConnections).toBe((4 + 3 + 1) * 6 * 5);
  });

  it('warns when the target exceeds what was measured or what the database allows', () => {
    const plan = planCapacity(results, { rps: 5000, p99Ms: 5, mix: 'mixed' });
    expect(plan.p99TargetMetAtMeasuredRate).toBe(false);
    expect(plan.warnings.join('\n')).toMatch(/no measured arrival rate/);
    expect(plan.warnings.join('\n')).toMatch(/max_connections=100/);
    const orders = planCapacity(results, { rps: 1000, p99Ms: 200, mix: 'place-order' });
    expect(orders.postgresCommitsPerSecond).toBe(4000);
    expect(orders.warnings.join('\n')).toMatch(/the primary, not the replicas/);
  });

  it("warns when Little's law fills one module's pool, or all of them", () => {
    const withDbTime = (dbBusyMs: number): BenchResults => ({
      ...results,
      scenarios: [scenario({ name: 'mixed', perRequest: { commits: 0.1, dbBusyMs, redisOps: 3 } })],
    });
    const plan = (dbBusyMs: number) =>
      planCapacity(withDbTime(dbBusyMs), { rps: 5000, p99Ms: 200, mix: 'mixed' }).warnings.join('\n');
    expect(plan(2)).not.toMatch(/connections busy/); // 1,600/s × 2 ms = 3.2 < 0.7 × 5
    expect(plan(10)).toMatch(/16\.0 connections busy.*one module's pool/); // < 0.7 × 30
    expect(plan(20)).toMatch(/32\.0 connections busy.*all its pools/);
  });

  it('names its assumptions in the printed plan', () => {
    const text = formatPlan(planCapacity(results, { rps: 5000, p99Ms: 200, mix: 'mixed' }), 'x.json');
    expect(text).toMatch(/API replicas: +4/);
    expect(text).toMatch(/Assumptions:/);
    expect(text).toMatch(/Little|pg_stat_database/);
  });

  it('refuses a mix the results do not have', () => {
    expect(() => planCapacity(results, { rps: 10, p99Ms: 200, mix: 'health' })).toThrow(/no 'health' scenario/);
  });
});
