import type { ScenarioName, TracingFigures, TracingVariant } from '../lib/results';
import { median, spread, type Spread } from '../lib/stats';

export const TRACING_VARIANTS: readonly TracingVariant[] = ['off', '100 %', '10 %'];

/** Scenarios whose requests the app never traces (probes: libs/tracing/sdk.ts): no spans expected. */
export const UNTRACED_SCENARIOS: readonly ScenarioName[] = ['health'];

/**
 * A variant's OTEL_* settings for the app. Off sets none, so the SDK is never loaded, as in a
 * deployment without a collector. On exports to `endpoint` with the SDK's defaults otherwise
 * (OTLP over HTTP, protobuf, batches every 5 s), as `docker/compose.yml` does.
 */
export function tracingEnv(variant: TracingVariant, endpoint: string): NodeJS.ProcessEnv {
  if (variant === 'off') return {};
  const sampler =
    variant === '100 %'
      ? { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }
      : { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };
  return { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...sampler };
}

/** The variants' order in repetition `rep`, rotated so that none always runs first or last. */
export function variantOrder(rep: number): TracingVariant[] {
  const shift = rep % TRACING_VARIANTS.length;
  return [...TRACING_VARIANTS.slice(shift), ...TRACING_VARIANTS.slice(0, shift)];
}

/** One scenario under one variant in one repetition, against a process started for it. */
export interface TracingRun {
  readonly scenario: ScenarioName;
  readonly variant: TracingVariant;
  readonly rep: number;
  readonly okRps: number;
  readonly appCpuMsPerRequest: number;
  readonly sagaCpuMsPerOrder?: number;
  /** Every request sent to the process, warm-up included: all of them could be traced. */
  readonly requests: number;
  readonly spans: number;
}

const percent = (fraction: number) => Math.round(fraction * 1000) / 10;

/** `spread` to the microsecond: CPU per request is a few hundredths of a millisecond. */
function spreadOfMs(values: readonly number[]): Spread {
  const runs = values.map((v) => Math.round(v * 1000) / 1000);
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs };
}

/**
 * Each scenario and variant over the repetitions, with its cost against tracing off taken
 * within each repetition (the runs minutes apart, not the whole sitting), then over them.
 */
export function summarizeTracing(runs: readonly TracingRun[]): TracingFigures[] {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  return scenarios.flatMap((scenario) =>
    TRACING_VARIANTS.flatMap((variant): TracingFigures[] => {
      const mine = runs.filter((r) => r.scenario === scenario && r.variant === variant);
      if (mine.length === 0) return [];
      const offIn = (rep: number) => runs.find((r) => r.scenario === scenario && r.variant === 'off' && r.rep === rep);
      const paired = mine.flatMap((run) => {
        const off = offIn(run.rep);
        return off ? [{ run, off }] : [];
      });
      const spans = mine.reduce((t, r) => t + r.spans, 0);
      const requests = mine.reduce((t, r) => t + r.requests, 0);
      const saga = mine.flatMap((r) => (r.sagaCpuMsPerOrder !== undefined ? [r.sagaCpuMsPerOrder] : []));
      return [
        {
          scenario,
          variant,
          okRps: spread(mine.map((r) => r.okRps)),
          appCpuMsPerRequest: spreadOfMs(mine.map((r) => r.appCpuMsPerRequest)),
          ...(saga.length > 0 ? { sagaCpuMsPerOrder: spreadOfMs(saga) } : {}),
          spans,
          spansPerRequest: requests > 0 ? Math.round((spans / requests) * 100) / 100 : 0,
          ...(variant !== 'off' && paired.length > 0
            ? {
                costPercent: {
                  throughput: spread(paired.map(({ run, off }) => percent(1 - run.okRps / off.okRps))),
                  cpuPerRequest: spread(
                    paired.map(({ run, off }) => percent(run.appCpuMsPerRequest / off.appCpuMsPerRequest - 1)),
                  ),
                },
              }
            : {}),
        },
      ];
    }),
  );
}
