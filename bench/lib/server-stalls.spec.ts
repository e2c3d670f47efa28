import { runtimeOf, stallsBetween } from './server-stalls';

const scrape = (lagMax: number, minor: { count: number; sum: number; upTo10ms: number }) => `
# HELP nodejs_eventloop_lag_max_seconds The maximum recorded event loop delay.
# TYPE nodejs_eventloop_lag_max_seconds gauge
nodejs_eventloop_lag_max_seconds ${lagMax}
nodejs_eventloop_lag_min_seconds 0.009
nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 1
nodejs_gc_duration_seconds_bucket{le="0.01",kind="minor"} ${minor.upTo10ms}
nodejs_gc_duration_seconds_bucket{le="0.1",kind="minor"} ${minor.count}
nodejs_gc_duration_seconds_bucket{le="+Inf",kind="minor"} ${minor.count}
nodejs_gc_duration_seconds_sum{kind="minor"} ${minor.sum}
nodejs_gc_duration_seconds_count{kind="minor"} ${minor.count}
nodejs_gc_duration_seconds_bucket{le="0.01",kind="major"} 2
nodejs_gc_duration_seconds_bucket{le="+Inf",kind="major"} 3
nodejs_gc_duration_seconds_sum{kind="major"} 0.05
nodejs_gc_duration_seconds_count{kind="major"} 3
`;

describe('server stalls from two /metrics readings', () => {
  it('reads the event-loop maximum and sums GC over kinds', () => {
    expect(runtimeOf(scrape(0.0421, { count: 10, sum: 0.02, upTo10ms: 9 }))).toEqual({
      eventLoopMaxSeconds: 0.0421,
      gcCount: 13,
      gcSeconds: 0.07,
      gcUpTo10ms: 11,
    });
  });

  it('counts the pauses of the run and those over 10 ms', () => {
    const before = runtimeOf(scrape(0.5, { count: 10, sum: 0.02, upTo10ms: 9 }));
    const after = runtimeOf(scrape(0.0312, { count: 40, sum: 0.12, upTo10ms: 37 }));
    expect(stallsBetween(before, after)).toEqual({
      eventLoopMaxMs: 31.2,
      gcPauses: 30,
      gcMs: 100,
      gcPausesOver10ms: 2,
    });
  });
});
