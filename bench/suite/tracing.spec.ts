import { summarizeTracing, tracingEnv, variantOrder, type TracingRun } from './tracing';

describe('the tracing variants', () => {
  it('sets no OTEL_* setting when off, and the endpoint with a sampler when on', () => {
    expect(tracingEnv('off', 'http://127.0.0.1:4318')).toEqual({});
    expect(tracingEnv('100 %', 'http://127.0.0.1:4318')).toEqual({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    });
    expect(tracingEnv('10 %', 'http://127.0.0.1:4318')).toMatchObject({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    });
  });

  it('rotates their order, so each takes every place once in three repetitions', () => {
    const orders = [0, 1, 2].map(variantOrder);
    expect(orders).toEqual([
      ['off', '100 %', '10 %'],
      ['100 %', '10 %', 'off'],
      ['10 %', 'off', '100 %'],
    ]);
    expect(variantOrder(3)).toEqual(orders[0]);
  });
});

describe('summarizeTracing', () => {
  const run = (variant: TracingRun['variant'], rep: number, okRps: number, cpu: number, spans = 0): TracingRun => ({
    scenario: 'catalog-browse',
    variant,
    rep,
    okRps,
    appCpuMsPerRequest: cpu,
    requests: 1000,
    spans,
  });

  it('costs each variant against tracing off in the same repetition', () => {
    // The machine slowed down in repetition 1: off is slower too, so the costs stay the same.
    const figures = summarizeTracing([
      run('off', 0, 10_000, 0.05),
      run('10 %', 0, 9_800, 0.051, 300),
      run('10 %', 1, 4_900, 0.102, 200),
      run('off', 1, 5_000, 0.1),
    ]);
    const off = figures.find((f) => f.variant === 'off')!;
    expect(off.costPercent).toBeUndefined();
    expect(off.appCpuMsPerRequest).toEqual({ median: 0.1, min: 0.05, max: 0.1, runs: [0.05, 0.1] });
    const sampled = figures.find((f) => f.variant === '10 %')!;
    expect(sampled.costPercent).toEqual({
      throughput: { median: 2, min: 2, max: 2, runs: [2, 2] },
      cpuPerRequest: { median: 2, min: 2, max: 2, runs: [2, 2] },
    });
    expect(sampled).toMatchObject({ spans: 500, spansPerRequest: 0.25 });
    expect(figures.map((f) => f.variant)).toEqual(['off', '10 %']);
  });

  it('leaves the cost out where no run with tracing off pairs with it', () => {
    const [figures] = summarizeTracing([run('100 %', 0, 9_000, 0.06, 5_000)]);
    expect(figures).toMatchObject({ variant: '100 %', spans: 5_000 });
    expect(figures!.costPercent).toBeUndefined();
  });
});
