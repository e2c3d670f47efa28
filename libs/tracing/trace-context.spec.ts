import { createTraceState, TraceFlags } from '@opentelemetry/api';
import { carrierOf, currentTraceCarrier, spanContextOf, traceCarrierFor } from './trace-context';

describe('the trace context an event carries', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('round-trips a span context through traceparent and tracestate', () => {
    const carrier = carrierOf({
      traceId,
      spanId,
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=a,other=b'),
    });
    expect(carrier).toEqual({ traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=a,other=b' });
    expect(spanContextOf(carrier)).toMatchObject({ traceId, spanId, traceFlags: 1, isRemote: true });
    expect(spanContextOf(carrier)?.traceState?.get('vendor')).toBe('a');
    // Unsampled stays unsampled: the flag travels.
    expect(carrierOf({ traceId, spanId, traceFlags: TraceFlags.NONE })?.traceparent).toMatch(/-00$/);
  });

  it('ignores what is not a valid W3C context', () => {
    expect(spanContextOf(undefined)).toBeUndefined();
    expect(spanContextOf({ traceparent: null })).toBeUndefined();
    expect(spanContextOf({ traceparent: 'garbage' })).toBeUndefined();
    expect(spanContextOf({ traceparent: `00-${'0'.repeat(32)}-${spanId}-01` })).toBeUndefined();
    expect(carrierOf({ traceId: '0'.repeat(32), spanId, traceFlags: 1 })).toBeUndefined();
  });

  it('writes nothing while the process does not trace', () => {
    expect(currentTraceCarrier()).toBeUndefined();
    expect(traceCarrierFor({ traceparent: `00-${traceId}-${spanId}-01` })).toBeUndefined();
  });
});
