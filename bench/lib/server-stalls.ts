import { counterTotal } from './counters';

/** What held up the app's event loop during a run, from two readings of its /metrics. */
export interface ServerStalls {
  /** The longest event-loop delay (prom-client samples it every 10 ms). */
  readonly eventLoopMaxMs: number;
  readonly gcPauses: number;
  readonly gcMs: number;
  /** Pauses longer than 10 ms: the ones a p99 of tens of milliseconds can come from. */
  readonly gcPausesOver10ms: number;
}

export interface RuntimeReading {
  readonly eventLoopMaxSeconds: number;
  readonly gcCount: number;
  readonly gcSeconds: number;
  readonly gcUpTo10ms: number;
}

/**
 * Reads the app's runtime metrics. prom-client resets its event-loop histogram on every
 * scrape, so the maximum in a reading covers the time since the one before.
 */
export async function readRuntime(baseUrl: string): Promise<RuntimeReading> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  return runtimeOf(metrics);
}

export function runtimeOf(metrics: string): RuntimeReading {
  return {
    eventLoopMaxSeconds: counterTotal(metrics, 'nodejs_eventloop_lag_max_seconds'),
    gcCount: counterTotal(metrics, 'nodejs_gc_duration_seconds_count'),
    gcSeconds: counterTotal(metrics, 'nodejs_gc_duration_seconds_sum'),
    gcUpTo10ms: counterTotal(metrics, 'nodejs_gc_duration_seconds_bucket', /le="0\.01"/),
  };
}

export function stallsBetween(before: RuntimeReading, after: RuntimeReading): ServerStalls {
  const pauses = after.gcCount - before.gcCount;
  return {
    eventLoopMaxMs: Math.round(after.eventLoopMaxSeconds * 10_000) / 10,
    gcPauses: pauses,
    gcMs: Math.round((after.gcSeconds - before.gcSeconds) * 10_000) / 10,
    gcPausesOver10ms: pauses - (after.gcUpTo10ms - before.gcUpTo10ms),
  };
}
