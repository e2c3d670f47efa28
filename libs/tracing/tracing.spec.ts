import { tracingDecision } from './tracing';

describe('whether a process traces', () => {
  it('starts only with an exporter configured by the standard variables', () => {
    expect(tracingDecision({})).toEqual({ start: false, reason: 'no OTLP endpoint' });
    expect(tracingDecision({ OTEL_SERVICE_NAME: 'shop', OTEL_TRACES_SAMPLER: 'always_on' }).start).toBe(false);
    expect(tracingDecision({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }).start).toBe(false);
    expect(tracingDecision({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toEqual({ start: true });
    expect(tracingDecision({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces' }).start).toBe(true);
    expect(tracingDecision({ OTEL_TRACES_EXPORTER: 'otlp' }).start).toBe(false);
    expect(tracingDecision({ OTEL_TRACES_EXPORTER: 'console' }).start).toBe(true);
  });

  it('never starts when turned off, endpoint or not', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' };
    expect(tracingDecision({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toEqual({
      start: false,
      reason: 'OTEL_SDK_DISABLED',
    });
    expect(tracingDecision({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }).start).toBe(false);
    expect(tracingDecision({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).start).toBe(true);
    expect(tracingDecision({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toEqual({
      start: false,
      reason: 'OTEL_TRACES_EXPORTER=none',
    });
    expect(tracingDecision({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp,none' }).start).toBe(false);
  });
});
