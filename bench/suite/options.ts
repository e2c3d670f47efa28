import { benchArgs } from '../bench-args';
import type { TracingVariant } from '../lib/results';
import type { SuiteTiming } from './measure';
import { TRACING_VARIANTS } from './tracing';

export interface SuiteOptions extends SuiteTiming {
  readonly quick: boolean;
  /** The saga (workers and relays) in a process of its own; the pinned process only serves the API. */
  readonly sagaProcess: boolean;
  /**
   * With sagaProcess: the saga's process runs at this niceness (every thread), below the API's
   * 0, as an operator gives API replicas the CPU first on a host they share with workers.
   */
  readonly sagaNice?: number;
  /**
   * Then each chosen single-process scenario again with tracing off, on at 100 % and at 10 %
   * sampling, exporting to a local OTLP receiver (bench/suite/tracing.ts).
   */
  readonly tracing: boolean;
  readonly products: number;
  readonly orderableProducts: number;
  readonly users: number;
  readonly concurrencyLevels: readonly number[];
  readonly scalingProcesses: readonly number[];
  readonly scalingConnections: readonly number[];
  readonly scalingSeconds: number;
  /** Only these scenarios (and no scaling unless listed as `scaling`): for short runs while developing. */
  readonly only?: readonly string[];
  /** Write a CPU profile of the app during one scenario into this directory. */
  readonly cpuProfileDir?: string;
  /** With sagaProcess: a CPU profile of the saga's process over the whole run, into this directory. */
  readonly sagaCpuProfileDir?: string;
  /** Which single-process cached scenario the profile is taken under (default catalog-browse). */
  readonly cpuProfileScenario: string;
  /** Profile at this fixed arrival rate instead of the closed loop: stalls show only below the peak. */
  readonly cpuProfileRate?: number;
  /** The profiled process traces (`--cpu-prof-tracing 100` or `10`: % sampled), exporting to a local receiver. */
  readonly cpuProfileTracing?: TracingVariant;
}

function tracingVariant(percent: string): TracingVariant {
  const variant = TRACING_VARIANTS.find((v) => v.replace(' %', '') === percent);
  if (!variant) throw new Error(`--cpu-prof-tracing: one of ${TRACING_VARIANTS.join(', ')} (without the %)`);
  return variant;
}

const numbers = (text: string | undefined, fallback: number[]) => (text ? text.split(',').map(Number) : fallback);

/**
 * `npm run bench -- --quick` (CI smoke: a couple of minutes), or the full run; any figure can
 * be overridden, e.g. `--seconds 3 --only health,place-order`.
 */
export function suiteOptions(argv: readonly string[] = process.argv): SuiteOptions {
  const quick = argv.includes('--quick');
  const flags = ['--quick', '--saga-process', '--tracing'];
  const args = benchArgs(argv.filter((a) => !flags.includes(a)));
  const number = (name: string, full: number, short: number) => Number(args.get(name) ?? (quick ? short : full));
  const seconds = number('seconds', 8, 2);
  return {
    quick,
    sagaProcess: argv.includes('--saga-process'),
    tracing: argv.includes('--tracing'),
    seconds,
    warmupSeconds: number('warmup', 3, 1),
    repeat: number('repeat', 3, 1),
    connections: number('connections', 10, 10),
    openLoopConnections: number('open-connections', 100, 50),
    openFractions: numbers(args.get('fractions'), quick ? [0.5] : [0.5, 0.8]),
    // 10,000 even when quick: the uncached walk needs them, and one INSERT takes under a second.
    products: number('products', 10_000, 10_000),
    orderableProducts: number('orderable', 50, 10),
    users: number('users', 1000, 100),
    concurrencyLevels: numbers(args.get('levels'), quick ? [4, 32] : [1, 4, 16, 64]),
    scalingProcesses: numbers(args.get('processes'), [1, 2, 4]),
    scalingConnections: numbers(args.get('scaling-connections'), quick ? [32] : [8, 32, 128]),
    scalingSeconds: number('scaling-seconds', Math.min(seconds, 5), 2),
    ...(args.get('only') ? { only: args.get('only')!.split(',') } : {}),
    ...(args.get('cpu-prof') ? { cpuProfileDir: args.get('cpu-prof')! } : {}),
    ...(args.get('saga-nice') ? { sagaNice: Number(args.get('saga-nice')) } : {}),
    ...(args.get('saga-cpu-prof') ? { sagaCpuProfileDir: args.get('saga-cpu-prof')! } : {}),
    cpuProfileScenario: args.get('cpu-prof-scenario') ?? 'catalog-browse',
    ...(args.get('cpu-prof-rate') ? { cpuProfileRate: Number(args.get('cpu-prof-rate')) } : {}),
    ...(args.get('cpu-prof-tracing') ? { cpuProfileTracing: tracingVariant(args.get('cpu-prof-tracing')!) } : {}),
  };
}
