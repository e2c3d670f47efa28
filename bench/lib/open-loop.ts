import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoadRun } from './load';
import { percentile } from './stats';

export interface OpenLoopRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * A fixed arrival rate: request i is due at start + i/rate whether or not earlier ones have
 * answered, and its latency runs from when it was due, not from when a connection was free
 * to send it. That is what a closed loop (and autocannon's rate limit, which sends each
 * connection's quota for the second back to back and then waits for the next second) hides:
 * the wait of requests that arrive while the server is behind (coordinated omission).
 * Up to `connections` keep-alive sockets; requests beyond them queue in the agent, and that
 * queueing counts in their latency.
 */
export async function runOpenLoop(options: {
  url: string;
  rate: number;
  seconds: number;
  connections: number;
  next: () => OpenLoopRequest;
  onResponse?: (status: number, sent: OpenLoopRequest) => void;
}): Promise<LoadRun> {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let sent = 0;
  let outstanding = 0;
  let lateDispatchMs = 0;
  // The generator's own stalls (GC, a busy core) delay both sends and the reading of
  // responses: both count in the latencies, so the report shows how long they were.
  const ownLoop = monitorEventLoopDelay({ resolution: 1 });
  ownLoop.enable();
  const start = performance.now();
  const end = start + options.seconds * 1000;
  const total = Math.floor(options.rate * options.seconds);

  const fire = (dueAt: number) => {
    const shape = options.next();
    outstanding++;
    lateDispatchMs = Math.max(lateDispatchMs, performance.now() - dueAt);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: shape.method,
        path: shape.path,
        agent,
        headers: {
          ...shape.headers,
          ...(shape.body !== undefined ? { 'content-length': Buffer.byteLength(shape.body) } : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - dueAt);
          if (res.statusCode! >= 200 && res.statusCode! < 300) ok++;
          else non2xx++;
          options.onResponse?.(res.statusCode!, shape);
          outstanding--;
        });
      },
    );
    req.on('timeout', () => {
      timeouts++;
      req.destroy(new Error('timeout'));
    });
    req.on('error', () => {
      errors++;
      outstanding--;
    });
    req.end(shape.body);
  };

  // Dispatch whatever has come due on every turn of the event loop (about every millisecond).
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) / 1000) * options.rate));
      while (sent < due) fire(start + (sent++ * 1000) / options.rate);
      if (now >= end || sent >= total) done();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const drainDeadline = performance.now() + 15_000;
  while (outstanding > 0 && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 5));
  agent.destroy();
  ownLoop.disable();
  const elapsed = (Math.max(performance.now(), end) - start) / 1000;
  latencies.sort((a, b) => a - b);
  const ms = (v: number) => Math.round(v * 10) / 10;
  return {
    connections: options.connections,
    targetRate: options.rate,
    seconds: Math.round(elapsed * 100) / 100,
    rps: Math.round(((ok + non2xx) / elapsed) * 10) / 10,
    okRps: Math.round((ok / elapsed) * 10) / 10,
    requests: ok + non2xx,
    ok,
    non2xx,
    errors: errors + outstanding,
    timeouts,
    latencyMs: {
      p50: ms(percentile(latencies, 50)),
      p90: ms(percentile(latencies, 90)),
      p99: ms(percentile(latencies, 99)),
      max: ms(latencies.at(-1) ?? Number.NaN),
    },
    generatorLagMs: ms(lateDispatchMs),
    generatorStallMs: ms(ownLoop.max / 1e6),
  };
}
