import type { CpuShares } from './cpu-accounting';
import type { LoopCoreTime } from './loop-core-time';
import autocannon from 'autocannon';
import type { ServerStalls } from './server-stalls';

/** One autocannon run, reduced to what the report keeps. */
export interface LoadRun {
  readonly connections: number;
  /** The fixed arrival rate asked for (open loop), absent for a closed loop. */
  readonly targetRate?: number;
  readonly seconds: number;
  /** Completed responses per second, whatever their status. */
  readonly rps: number;
  /** 2xx responses per second. */
  readonly okRps: number;
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** Open loop: the most a request was sent after it was due (the generator falling behind). */
  readonly generatorLagMs?: number;
  /** Open loop: the generator's longest event-loop stall during the run. */
  readonly generatorStallMs?: number;
  /** The app's own stalls during the run, from its /metrics (open loop; closed loop when watched). */
  readonly server?: ServerStalls;
  /** Open loop: an HTTP baseline at the same rate, just after. */
  readonly baseline?: OpenLoopBaseline;
  /** Closed loop: where the cores went during the run, and whether the app's loop had its core. */
  readonly cores?: RunCores;
}

export interface RunCores {
  /** The pinned app process's event loop: shares of the run on its core and waiting for it. */
  readonly appLoop?: LoopCoreTime;
  /** Shares of the machine (all cores × the run) by group of processes, plus `other` and `idle`. */
  readonly machine: CpuShares;
  /** The app processes' CPU time (all threads, user and system) per request of the run. */
  readonly appCpuMsPerRequest?: number;
  /** Just before the run, a fixed piece of work on the load generator's core (`core-speed.ts`). */
  readonly fixedWorkMs?: number;
  /** The same work just before the run in a process pinned to the app's core. */
  readonly appCoreFixedWorkMs?: number;
  /** Requests the app answered beside the load during the run: the sandbox provider's webhooks. */
  readonly webhooks?: number;
}

export interface OpenLoopBaseline {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  /** Open loop: requests per second across all connections, sent on schedule. */
  readonly rate?: number;
  readonly requests?: autocannon.Request[];
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const result = await autocannon({
    url: options.url,
    duration: options.seconds,
    connections: options.connections,
    ...(options.rate ? { overallRate: options.rate } : {}),
    ...(options.requests ? { requests: options.requests } : {}),
  });
  const seconds = result.duration || options.seconds;
  const requests = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    connections: options.connections,
    ...(options.rate ? { targetRate: options.rate } : {}),
    seconds: Math.round(seconds * 100) / 100,
    rps: Math.round((requests / seconds) * 10) / 10,
    okRps: Math.round((result['2xx'] / seconds) * 10) / 10,
    requests,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}
