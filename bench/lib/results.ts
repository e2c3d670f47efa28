import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PerRequestCost } from './counters';
import type { LoadRun } from './load';
import type { MachineDescription } from './machine';
import type { Spread } from './stats';
import type { UslFit, UslPoint } from './usl';

export const SCENARIOS = [
  'health',
  'product-cached',
  'catalog-browse',
  'product-uncached',
  'place-order',
  'mixed',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BaselineFigure {
  readonly name: string;
  readonly unit: 'req/s' | 'TPS';
  readonly value: Spread;
}

export interface ScenarioResult {
  readonly name: ScenarioName;
  readonly description: string;
  /** What the figure counts: 2xx responses, or 201s for orders. */
  readonly unit: string;
  /** Share of requests that place an order (the worker load the planner sizes). */
  readonly orderShare: number;
  readonly closed: { readonly connections: number; readonly value: Spread; readonly runs: readonly LoadRun[] };
  /** Fixed arrival rates at fractions of the closed-loop median. */
  readonly open: readonly LoadRun[];
  readonly baselines: readonly BaselineFigure[];
  /** Tessera's median over each baseline's median, by baseline name. */
  readonly ratios: Readonly<Record<string, number>>;
  readonly perRequest: PerRequestCost;
  readonly cacheHitRatio?: number;
  /** Place-order: stock_reserved transitions per second the same process's workers kept up. */
  readonly sagaOrdersPerSecond?: number;
  /**
   * Place-order: CPU time (ms) the machine spent per order, from the first order until the
   * saga had finished them all: accepting it and carrying it through reservation, charge and
   * confirmation, by group of processes (the load generator not included).
   */
  readonly cpuMsPerOrder?: Readonly<Record<'tessera' | 'postgres' | 'redis' | 'total', number>>;
  /** Place-order: integration events the inbox jobs delivered, and those jobs (`event_delivery_job_events`). */
  readonly deliveryJobs?: { readonly events: number; readonly jobs: number };
  /** Mixed: responses by request kind and status class. */
  readonly byKind?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Tracing off, or on at a sampling ratio (`--tracing`): the app's OTEL_* settings, bench/suite/tracing.ts. */
export type TracingVariant = 'off' | '100 %' | '10 %';

/** One scenario under one tracing variant, over the repetitions (each a fresh process). */
export interface TracingFigures {
  readonly scenario: ScenarioName;
  readonly variant: TracingVariant;
  /** Closed-loop 2xx (201 for orders) per second. */
  readonly okRps: Spread;
  /** The app process's CPU time (all threads) per request of the closed-loop run. */
  readonly appCpuMsPerRequest: Spread;
  /** Place-order: the app's CPU per order from the first order until the saga finished the last. */
  readonly sagaCpuMsPerOrder?: Spread;
  /** Spans the local OTLP receiver got from the variant's processes, and per request sent to them. */
  readonly spans: number;
  readonly spansPerRequest: number;
  /**
   * Against tracing off in the same repetition, in %: throughput lost (1 − on/off) and CPU per
   * request added (on/off − 1). Absent for tracing off itself.
   */
  readonly costPercent?: { readonly throughput: Spread; readonly cpuPerRequest: Spread };
}

export interface ScalingPoint {
  readonly processes: number;
  readonly connections: number;
  readonly rps: Spread;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Shares of the machine's CPU (all cores) over the point's runs, by process group. */
  readonly cpu?: Readonly<Record<string, number>>;
}

export interface UslReport extends UslFit {
  readonly points: readonly UslPoint[];
}

export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface BenchResults {
  readonly version: 1;
  readonly date: string;
  readonly quick: boolean;
  readonly settings: {
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly repeat: number;
    readonly connections: number;
    readonly openLoopConnections: number;
    readonly products: number;
    readonly orderableProducts: number;
    readonly users: number;
    /** The app's DATABASE_POOL_SIZE and how many module data sources each full process opens. */
    readonly databasePoolSize: number;
    readonly moduleDataSources: number;
    /** `--saga-process`: workers and relays ran in a second, unpinned process. Absent in older results. */
    readonly sagaProcess?: boolean;
    /** `--saga-nice`: the saga's process ran at this niceness. */
    readonly sagaNice?: number;
  };
  readonly machine: MachineDescription;
  readonly scenarios: readonly ScenarioResult[];
  /** catalog-browse on one process, closed loop at rising connection counts. */
  readonly concurrency: readonly ScalingPoint[];
  readonly scaling: {
    readonly points: readonly ScalingPoint[];
    /** Best throughput per process count, fitted over processes. */
    readonly byProcesses?: UslReport;
    /** One process over connection counts. */
    readonly byConnections?: UslReport;
  };
  /** `--tracing`: the chosen scenarios with tracing off, on at 100 % and at 10 % sampling. */
  readonly tracing?: readonly TracingFigures[];
  readonly goals: readonly Goal[];
}

export const RESULTS_DIR_PARTS = ['bench', 'results'] as const;
const FULL_RUN = /^\d{4}-\d{2}-\d{2}\.json$/;
const QUICK_RUN = /^\d{4}-\d{2}-\d{2}-quick\.json$/;

/** The newest full run's `bench/results/<date>.json`, else the newest quick run's. */
export function latestResults(dir: string): { file: string; results: BenchResults } {
  const names = readdirSync(dir).sort();
  const file = names.filter((f) => FULL_RUN.test(f)).at(-1) ?? names.filter((f) => QUICK_RUN.test(f)).at(-1);
  if (!file) throw new Error(`no suite results in ${dir}: run \`npm run bench\` first`);
  return { file: join(dir, file), results: JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchResults };
}
