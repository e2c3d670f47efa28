import { propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { core, tracing } from '@opentelemetry/sdk-node';
import { EdgeSampling, samplerFromEnv } from './sdk';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const sampledParent = { traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
const unsampledParent = { traceparent: `00-${traceId}-00f067aa0ba902b7-00` };

/** How many of `n` requests without a traceparent the edge samples. */
const sampledOf = (edge: EdgeSampling, n: number) =>
  Array.from({ length: n }, () => edge.sampled({})).filter(Boolean).length;

describe('sampling decided once, at the edge', () => {
  // The SDK's default propagator, which the edge reads the incoming traceparent with.
  beforeAll(() => propagation.setGlobalPropagator(new core.W3CTraceContextPropagator()));
  afterAll(() => propagation.disable());

  it('draws the ratio of parentbased_traceidratio for new traces, and follows an incoming traceparent', () => {
    const edge = new EdgeSampling(
      samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
    );
    const sampled = sampledOf(edge, 4_000);
    // 400 expected; the bounds are about six standard deviations wide.
    expect(sampled).toBeGreaterThan(290);
    expect(sampled).toBeLessThan(510);
    expect(edge.sampled(sampledParent)).toBe(true);
    expect(edge.sampled(unsampledParent)).toBe(false);
  });

  it('reads the standard sampler names, parentbased_always_on when unset', () => {
    expect(sampledOf(new EdgeSampling(samplerFromEnv({})), 50)).toBe(50);
    expect(new EdgeSampling(samplerFromEnv({})).sampled(unsampledParent)).toBe(false);
    expect(sampledOf(new EdgeSampling(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' })), 50)).toBe(0);
    // Not parent-based: the caller's flag does not count.
    expect(new EdgeSampling(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_on' })).sampled(unsampledParent)).toBe(true);
    expect(sampledOf(new EdgeSampling(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' })), 50)).toBe(0);
    expect(
      new EdgeSampling(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' })).sampled(sampledParent),
    ).toBe(true);
    // A ratio out of range samples everything, as the SDK does.
    expect(
      sampledOf(
        new EdgeSampling(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '7' })),
        50,
      ),
    ).toBe(50);
  });

  it('lets the SDK record every SERVER span (the edge drew for it) and ask the configured sampler for the rest', () => {
    const sampler = new EdgeSampling(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' })).sdkSampler();
    const decide = (kind: SpanKind) => sampler.shouldSample(ROOT_CONTEXT, traceId, 'x', kind, {}, []).decision;
    expect(decide(SpanKind.SERVER)).toBe(tracing.SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(SpanKind.PRODUCER)).toBe(tracing.SamplingDecision.NOT_RECORD);
    expect(decide(SpanKind.INTERNAL)).toBe(tracing.SamplingDecision.NOT_RECORD);
  });
});
