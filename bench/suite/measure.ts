import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { catalogCacheCounts, costPerRequest, type CounterReader, type ServerCounters } from '../lib/counters';
import { runLoad, type LoadRun, type OpenLoopBaseline, type RunCores } from '../lib/load';
import { runOpenLoop } from '../lib/open-loop';
import { readRuntime, stallsBetween } from '../lib/server-stalls';
import type { BaselineFigure, ScenarioName, ScenarioResult } from '../lib/results';
import { median, ratio, spread } from '../lib/stats';
import { chooser, loadRequest, tally, type KindCounts, type RequestShape, type WeightedShape } from './traffic';

export interface SuiteTiming {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly repeat: number;
  readonly connections: number;
  readonly openLoopConnections: number;
  /** Fixed arrival rates as fractions of the closed-loop median. */
  readonly openFractions: readonly number[];
}

export interface Baseline {
  readonly name: string;
  readonly unit: 'req/s' | 'TPS';
  /** An HTTP baseline's address: its open-loop latency at Tessera's rates is the machine's floor. */
  readonly url?: string;
  /** One counted run; `seconds` is the run length. */
  measure(seconds: number): Promise<number>;
}

export interface ScenarioSpec {
  readonly name: ScenarioName;
  readonly description: string;
  readonly unit: string;
  readonly orderShare: number;
  readonly baseUrl: string;
  /** The kinds of request the scenario sends, by weight. */
  readonly mix: readonly WeightedShape[];
  /** When given, responses are tallied here by kind and status class (all runs). */
  readonly counts?: KindCounts;
  readonly baselines: readonly Baseline[];
  /**
   * Run the baselines after all of Tessera's runs instead of between them: for scenarios
   * that leave a saga backlog, which would otherwise drain during the baseline runs.
   */
  readonly baselinesAfter?: boolean;
  /** Report the catalog cache's hit ratio over the closed-loop runs. */
  readonly measureCache?: boolean;
  beforeWarmUp?(): void;
  /** After the closed-loop runs (e.g. time the saga's drain); its fields join the result. */
  afterClosed?(): Promise<Partial<ScenarioResult>>;
  /** After the open-loop runs, before the next scenario (e.g. let queues drain). */
  settle?(): Promise<void>;
}

/**
 * The app's CPU time per request: a run can be slower because each request cost more, at the
 * same share of the machine, which the shares alone do not show.
 */
function withAppCpu(cores: RunCores, wallMs: number, run: LoadRun): RunCores {
  const appShare = cores.machine.app;
  if (appShare === undefined || run.requests === 0) return cores;
  const appCpuMsPerRequest = Math.round(((appShare * cpus().length * wallMs) / run.requests) * 1000) / 1000;
  return { ...cores, appCpuMsPerRequest };
}

/** Why one run differs from the next: the app's loop without its core, its CPU per request, the saga's share. */
function coresLine(cores: RunCores | undefined): string {
  if (!cores) return '';
  const pct = (share: number) => `${Math.round(share * 100)} %`;
  const perRequest =
    cores.appCpuMsPerRequest !== undefined ? `; the app's CPU per request ${cores.appCpuMsPerRequest} ms` : '';
  const onAppCore = cores.appCoreFixedWorkMs !== undefined ? ` (on the app's core ${cores.appCoreFixedWorkMs} ms)` : '';
  const speed =
    cores.fixedWorkMs !== undefined ? `; a fixed piece of work took ${cores.fixedWorkMs} ms${onAppCore} before it` : '';
  const webhooks = cores.webhooks ? `; the app also answered ${cores.webhooks.toLocaleString('en-US')} webhooks` : '';
  const loop = cores.appLoop
    ? `; the app's loop ran ${pct(cores.appLoop.ran)} of the run and waited ${pct(cores.appLoop.waited)} for its core`
    : '';
  const machine = Object.entries(cores.machine)
    .map(([group, share]) => `${group} ${pct(share)}`)
    .join(', ');
  return `${loop}${perRequest}${webhooks}; the machine: ${machine}${speed}`;
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * One scenario: warm-up, `repeat` closed-loop runs (baselines interleaved, so both see the
 * same machine minute), the per-request server costs over those runs, then fixed arrival
 * rates at fractions of the median peak for latency without coordinated omission.
 */
export async function measureScenario(
  spec: ScenarioSpec,
  timing: SuiteTiming,
  counters: CounterReader,
  watchCores?: () => Promise<{ stop(): Promise<RunCores> }>,
): Promise<ScenarioResult> {
  log(`${spec.name}: warm-up`);
  // Baselines warm up first: from beforeWarmUp on, the machine is the scenario's alone.
  for (const baseline of spec.baselines) await baseline.measure(timing.warmupSeconds);
  spec.beforeWarmUp?.();
  await runLoad({
    url: spec.baseUrl,
    seconds: timing.warmupSeconds,
    connections: timing.connections,
    requests: [loadRequest(spec.mix, spec.counts)],
  });

  const baselineRuns = spec.baselines.map(() => [] as number[]);
  const runBaselines = async () => {
    for (const [i, baseline] of spec.baselines.entries()) baselineRuns[i]!.push(await baseline.measure(timing.seconds));
  };
  const cacheBefore = spec.measureCache ? await catalogCacheCounts(spec.baseUrl) : undefined;
  const runs: LoadRun[] = [];
  let costs = { commits: 0, busyMs: 0, redisCommands: 0 };
  for (let rep = 0; rep < timing.repeat; rep++) {
    if (!spec.baselinesAfter) await runBaselines();
    const before: ServerCounters = await counters.read();
    const cores = await watchCores?.();
    const runtimeBefore = cores ? await readRuntime(spec.baseUrl) : undefined;
    const since = performance.now();
    const loaded = await runLoad({
      url: spec.baseUrl,
      seconds: timing.seconds,
      connections: timing.connections,
      requests: [loadRequest(spec.mix, spec.counts)],
    });
    const run: LoadRun =
      cores && runtimeBefore
        ? {
            ...loaded,
            cores: withAppCpu(await cores.stop(), performance.now() - since, loaded),
            server: stallsBetween(runtimeBefore, await readRuntime(spec.baseUrl)),
          }
        : loaded;
    const after = await counters.read();
    costs = {
      commits: costs.commits + after.commits - before.commits,
      busyMs: costs.busyMs + after.busyMs - before.busyMs,
      redisCommands: costs.redisCommands + after.redisCommands - before.redisCommands,
    };
    runs.push(run);
    log(
      `${spec.name}: run ${rep + 1}: ${fmt(run.okRps)} ${spec.unit}, p99 ${run.latencyMs.p99} ms${coresLine(run.cores)}` +
        (run.server ? `; the app's GC paused it ${run.server.gcMs} ms in ${run.server.gcPauses} pauses` : ''),
    );
  }
  const cacheAfter = spec.measureCache ? await catalogCacheCounts(spec.baseUrl) : undefined;
  const extra = spec.afterClosed ? await spec.afterClosed() : {};
  if (spec.baselinesAfter) for (let rep = 0; rep < timing.repeat; rep++) await runBaselines();

  const value = spread(runs.map((r) => r.okRps));
  const baselines: BaselineFigure[] = spec.baselines.map((b, i) => ({
    name: b.name,
    unit: b.unit,
    value: spread(baselineRuns[i]!),
  }));
  const ratios = Object.fromEntries(baselines.map((b) => [b.name, ratio(value.median, b.value.median)]));
  for (const b of baselines) log(`${spec.name}: ${b.name} ${fmt(b.value.median)} ${b.unit}, ratio ${ratios[b.name]}`);

  const open: LoadRun[] = [];
  for (const fraction of timing.openFractions) {
    const rate = Math.max(1, Math.round(median(runs.map((r) => r.okRps)) * fraction));
    const choose = chooser(spec.mix);
    const kinds = new WeakMap<RequestShape, string>();
    const openLoop = (seconds: number) =>
      runOpenLoop({
        url: spec.baseUrl,
        seconds,
        connections: timing.openLoopConnections,
        rate,
        next: () => {
          const { kind, shape } = choose();
          kinds.set(shape, kind);
          return shape;
        },
        ...(spec.counts
          ? { onResponse: (status, shape) => tally(spec.counts!, kinds.get(shape) ?? 'unknown', status) }
          : {}),
      });
    // Uncounted first second: the generator opens its sockets and the first requests wait for them.
    await openLoop(1);
    const runtimeBefore = await readRuntime(spec.baseUrl);
    const counted = await openLoop(timing.seconds);
    const run = { ...counted, server: stallsBetween(runtimeBefore, await readRuntime(spec.baseUrl)) };
    const floor = spec.baselines.find((b) => b.url);
    const baselineRun = floor ? await baselineAtRate(floor, rate, timing) : undefined;
    open.push(baselineRun ? { ...run, baseline: baselineRun } : run);
    log(
      `${spec.name}: at ${fmt(rate)}/s: served ${fmt(run.okRps)}/s, p50 ${run.latencyMs.p50} p99 ${run.latencyMs.p99} ms, ` +
        `generator lag ≤ ${run.generatorLagMs} ms (its loop stalled ≤ ${run.generatorStallMs} ms), ` +
        `app loop stalled ≤ ${run.server.eventLoopMaxMs} ms, ${run.server.gcPausesOver10ms} of ${run.server.gcPauses} GC pauses > 10 ms` +
        (baselineRun ? `; ${floor!.name} at the same rate: p50 ${baselineRun.p50} p99 ${baselineRun.p99} ms` : ''),
    );
  }
  await spec.settle?.();

  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const zero = { commits: 0, busyMs: 0, redisCommands: 0 };
  // Each reading costs one commit and one Redis command: costPerRequest takes those off once per pair.
  const perRequest = costPerRequest(
    zero,
    {
      commits: costs.commits - (timing.repeat - 1),
      busyMs: costs.busyMs,
      redisCommands: costs.redisCommands - (timing.repeat - 1),
    },
    requests,
  );
  const cacheHitRatio =
    cacheBefore && cacheAfter
      ? ratioOfHits(cacheAfter.hits - cacheBefore.hits, cacheAfter.misses - cacheBefore.misses)
      : undefined;
  return {
    name: spec.name,
    description: spec.description,
    unit: spec.unit,
    orderShare: spec.orderShare,
    closed: { connections: timing.connections, value, runs },
    open,
    baselines,
    ratios,
    perRequest,
    ...(cacheHitRatio !== undefined ? { cacheHitRatio } : {}),
    ...(spec.counts ? { byKind: spec.counts } : {}),
    ...extra,
  };
}

/**
 * The same fixed arrival rate against an HTTP baseline: what tail this machine gives a
 * server that does nothing, the minute Tessera was measured.
 */
async function baselineAtRate(baseline: Baseline, rate: number, timing: SuiteTiming): Promise<OpenLoopBaseline> {
  const openLoop = (seconds: number) =>
    runOpenLoop({
      url: baseline.url!,
      seconds,
      connections: timing.openLoopConnections,
      rate,
      next: () => ({ method: 'GET', path: '/' }),
    });
  await openLoop(1);
  const run = await openLoop(timing.seconds);
  return { name: baseline.name, p50: run.latencyMs.p50, p99: run.latencyMs.p99, max: run.latencyMs.max };
}

function ratioOfHits(hits: number, misses: number): number {
  return hits + misses > 0 ? Math.round((hits / (hits + misses)) * 1000) / 1000 : Number.NaN;
}
