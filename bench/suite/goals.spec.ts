import type { BenchResults, ScenarioResult, TracingFigures } from '../lib/results';
import { spread } from '../lib/stats';
import { judgeGoals } from './goals';

function uncachedRun(baselines: ScenarioResult['baselines']): Omit<BenchResults, 'goals'> {
  const tessera = spread([3000, 3100, 3200]);
  const scenario = {
    name: 'product-uncached',
    closed: { connections: 10, value: tessera, runs: [] },
    open: [],
    baselines,
    ratios: Object.fromEntries(baselines.map((b) => [b.name, tessera.median / b.value.median])),
  } as unknown as ScenarioResult;
  return { scenarios: [scenario], scaling: { points: [] } } as unknown as Omit<BenchResults, 'goals'>;
}

describe('judgeGoals', () => {
  it("reports the order goal with the rate the machine's CPU sustains through the saga", () => {
    const accepted = spread([300, 320, 340]);
    const tpcb = { name: 'pgbench TPC-B, 10 clients', unit: 'TPS', value: spread([2_000, 2_200, 2_400]) };
    const scenario = {
      name: 'place-order',
      closed: { connections: 10, value: accepted, runs: [] },
      open: [],
      baselines: [tpcb],
      ratios: { [tpcb.name]: accepted.median / tpcb.value.median },
      cpuMsPerOrder: { tessera: 6, postgres: 3, redis: 1, total: 10 },
    } as unknown as ScenarioResult;
    const goals = judgeGoals({
      scenarios: [scenario],
      scaling: { points: [] },
      machine: { cpus: 2 },
    } as unknown as Omit<BenchResults, 'goals'>);
    expect(goals.find((g) => g.goal.startsWith('accepted orders'))).toEqual({
      goal: 'accepted orders ≥ 50 % of pgbench TPC-B, 10 clients',
      measured: "0.15 (the machine's CPU carries at most 200 orders/s through the whole saga, 0.09 of TPC-B)",
      met: false,
    });
  });

  it('reports the order goal with the plain order writer as its ceiling', () => {
    const accepted = spread([300, 320, 340]);
    const tpcb = { name: 'pgbench TPC-B, 10 clients', unit: 'TPS', value: spread([2_000, 2_200, 2_400]) };
    const writer = {
      name: 'plain Fastify + node-postgres, same writes',
      unit: 'req/s',
      value: spread([750, 800, 850]),
    };
    const scenario = {
      name: 'place-order',
      closed: { connections: 10, value: accepted, runs: [] },
      open: [],
      baselines: [tpcb, writer],
      ratios: {
        [tpcb.name]: accepted.median / tpcb.value.median,
        [writer.name]: accepted.median / writer.value.median,
      },
    } as unknown as ScenarioResult;
    const goals = judgeGoals({ scenarios: [scenario], scaling: { points: [] } } as unknown as Omit<
      BenchResults,
      'goals'
    >);
    expect(goals.find((g) => g.goal.startsWith('accepted orders'))?.measured).toBe(
      '0.15 (the ceiling here, plain Fastify + node-postgres doing the same writes in one statement: 0.36; ' +
        'Tessera reaches 0.40 of it)',
    );
  });

  it('reports the uncached goal against pgbench -S with the plain reader as its ceiling', () => {
    const goals = judgeGoals(
      uncachedRun([
        { name: 'pgbench -S, 10 clients', unit: 'TPS', value: spread([40_000, 45_000, 50_000]) },
        { name: 'plain Fastify + node-postgres, same SELECT', unit: 'req/s', value: spread([7_000, 7_500, 8_000]) },
      ]),
    );
    const uncached = goals.find((g) => g.goal.startsWith('uncached'));
    expect(uncached).toEqual({
      goal: 'uncached by-id read ≥ 50 % of pgbench -S, 10 clients',
      measured:
        '0.07 (the ceiling here, plain Fastify + node-postgres running the same SELECT: 0.17; Tessera reaches 0.41 of it)',
      met: false,
    });
  });

  it('reports the goal alone when the run had no plain reader', () => {
    const goals = judgeGoals(
      uncachedRun([{ name: 'pgbench -S, 10 clients', unit: 'TPS', value: spread([40_000, 45_000, 50_000]) }]),
    );
    expect(goals.find((g) => g.goal.startsWith('uncached'))?.measured).toBe('0.07');
  });
});

describe('the tracing goals', () => {
  const figures = (variant: TracingFigures['variant'], spans: number, cost?: [number, number]): TracingFigures => ({
    scenario: 'catalog-browse',
    variant,
    okRps: spread([10_000]),
    appCpuMsPerRequest: spread([0.1]),
    spans,
    spansPerRequest: spans / 10_000,
    ...(cost ? { costPercent: { throughput: spread([cost[0]]), cpuPerRequest: spread([cost[1]]) } } : {}),
  });
  const judge = (tracing: TracingFigures[]) =>
    judgeGoals({ scenarios: [], scaling: { points: [] }, tracing } as unknown as Omit<BenchResults, 'goals'>);
  const sampledGoal = (tracing: TracingFigures[]) => judge(tracing).find((g) => g.goal.startsWith('tracing at 10 %'));

  it('meets the 10 % goal under 5 % of throughput and of CPU per request, with spans received', () => {
    expect(sampledGoal([figures('off', 0), figures('10 %', 1_234, [2.5, 3])])).toEqual({
      goal: 'tracing at 10 % sampling costs < 5 % (throughput and CPU per request, against tracing off)',
      measured: 'catalog-browse: throughput -2.5 %, CPU per request +3 %, 1,234 spans received',
      met: true,
    });
    expect(sampledGoal([figures('10 %', 1_234, [2.5, 5.5])])?.met).toBe(false);
    expect(sampledGoal([figures('10 %', 1_234, [6, 1])])?.met).toBe(false);
  });

  it('fails a traced run that no span came from, however cheap it looked', () => {
    expect(sampledGoal([figures('10 %', 0, [0, 0])])?.met).toBe(false);
    const full = judge([figures('100 %', 0, [10, 12])]).find((g) => g.goal.startsWith('tracing at 100 %'));
    expect(full).toMatchObject({ met: false, measured: expect.stringContaining('0 spans received') });
  });

  it('judges only the scenarios the issue names', () => {
    expect(sampledGoal([{ ...figures('10 %', 0, [9, 9]), scenario: 'health' }])).toBeUndefined();
  });
});
