import { randomBytes } from 'node:crypto';
import {
  createContextKey,
  createTraceState,
  isSpanContextValid,
  TraceFlags,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

/**
 * A W3C trace context as it travels with an event (outbox row, envelope): the `traceparent` and
 * `tracestate` header values. Written in W3C form whatever OTEL_PROPAGATORS says, since the
 * outbox is Tessera's own carrier, not an HTTP header.
 */
export interface TraceCarrier {
  readonly traceparent?: string | null;
  readonly tracestate?: string | null;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function carrierOf(spanContext: SpanContext): TraceCarrier | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const state = spanContext.traceState?.serialize();
  return {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
    ...(state ? { tracestate: state } : {}),
  };
}

export function traceIdOf(carrier: TraceCarrier): string | undefined {
  return carrier.traceparent ? TRACEPARENT.exec(carrier.traceparent)?.[1] : undefined;
}

/** The remote span context a carrier names, if it names a valid one. */
export function spanContextOf(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const match = carrier?.traceparent ? TRACEPARENT.exec(carrier.traceparent) : null;
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: parseInt(match[3]!, 16),
    isRemote: true,
    ...(carrier?.tracestate ? { traceState: createTraceState(carrier.tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * Unsampled work (a request the edge did not sample, an event of an unsampled trace) runs with
 * tracing suppressed and no span, so no instrumentation works for it; it still passes an
 * unsampled `traceparent` on (outbox rows, envelopes, job metadata, the webhook call), so what it
 * causes in other processes stays unsampled instead of starting traces of its own.
 */
const UNSAMPLED = createContextKey('tessera.unsampled-trace');

/** Whether a carrier names a trace that is not sampled. */
export function isUnsampledCarrier(carrier: TraceCarrier): boolean {
  const remote = spanContextOf(carrier);
  return remote !== undefined && (remote.traceFlags & TraceFlags.SAMPLED) === 0;
}

/** `ctx` marked as unsampled work passing `carrier` on; tracing must be suppressed in it too. */
export function markUnsampled(ctx: Context, carrier: TraceCarrier): Context {
  return ctx.setValue(UNSAMPLED, carrier);
}

/** What unsampled work passes on: its trace's carrier, or a fresh unsampled trace (an unsampled request). */
export function unsampledCarrierOf(ctx: Context): TraceCarrier {
  return (
    (ctx.getValue(UNSAMPLED) as TraceCarrier | undefined) ?? {
      traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`,
    }
  );
}
