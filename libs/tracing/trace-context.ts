import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { carrierOf, markUnsampled, spanContextOf, traceIdOf, unsampledCarrierOf, type TraceCarrier } from './carrier';
import { isSuppressed, isTracing, suppressedContext } from './tracing';

export { carrierOf, isUnsampledCarrier, spanContextOf, unsampledCarrierOf, type TraceCarrier } from './carrier';

/** `parent` made unsampled work that passes `carrier` on (see ./carrier). */
export function unsampledContext(parent: Context, carrier: TraceCarrier): Context {
  return markUnsampled(suppressedContext(parent), carrier);
}

/** The context of the work in progress, to travel with what it writes; undefined when not tracing. */
export function currentTraceCarrier(): TraceCarrier | undefined {
  if (!isTracing()) return undefined;
  const active = context.active();
  const span = trace.getSpan(active);
  if (span) return carrierOf(span.spanContext());
  return isSuppressed(active) ? unsampledCarrierOf(active) : undefined;
}

/**
 * Headers that carry unsampled work's trace on an HTTP call: the fetch instrumentation injects a
 * sampled span's context itself, but makes no span, and so injects nothing, for unsampled work.
 */
export function unsampledTraceHeaders(): Record<string, string> {
  if (!isTracing()) return {};
  const active = context.active();
  if (trace.getSpan(active) || !isSuppressed(active)) return {};
  const { traceparent, tracestate } = unsampledCarrierOf(active);
  return { ...(traceparent ? { traceparent } : {}), ...(tracestate ? { tracestate } : {}) };
}

/**
 * The context an event written now should carry, given the event it answers: the work in
 * progress when it belongs to that event's trace (a handler's span), else the cause's own (a
 * handler applying several events at once runs in a span of its own, linked to each).
 */
export function traceCarrierFor(cause: TraceCarrier | undefined): TraceCarrier | undefined {
  if (!isTracing()) return undefined;
  const current = currentTraceCarrier();
  if (!cause?.traceparent) return current;
  return current && traceIdOf(current) === traceIdOf(cause) ? current : cause;
}

export type MessagingSpanKind = 'producer' | 'consumer' | 'internal';

const KINDS: Record<MessagingSpanKind, SpanKind> = {
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
};

export interface MessagingSpanOptions {
  readonly kind: MessagingSpanKind;
  /** The parent, from a carrier; without one the span is a child of the work in progress, or a root. */
  readonly parent?: TraceCarrier;
  /** Starts a new trace even inside another (a batch span, linked to what it handles). */
  readonly root?: boolean;
  readonly links?: readonly (TraceCarrier | SpanContext | undefined)[];
  readonly attributes?: Attributes;
}

/** A started span: its context as a carrier, `run` to make it the current one, `end` once. */
export interface MessagingSpan {
  readonly carrier: TraceCarrier | undefined;
  readonly spanContext: SpanContext;
  run<T>(work: () => T): T;
  end(error?: unknown): void;
}

const tracer = () => trace.getTracer('tessera.messaging');

/**
 * Starts a span for the outbox path; undefined when not tracing (callers skip all tracing work).
 * Under an unsampled parent, or when the sampler drops a new trace, no span is started: the work
 * runs unsampled (see `unsampledContext`) and passes the unsampled trace on.
 */
export function startMessagingSpan(name: string, options: MessagingSpanOptions): MessagingSpan | undefined {
  if (!isTracing()) return undefined;
  const remote = spanContextOf(options.parent);
  if (!options.root && remote && (remote.traceFlags & TraceFlags.SAMPLED) === 0) {
    return unsampled(unsampledContext(ROOT_CONTEXT, options.parent!), remote);
  }
  if (!options.root && !remote && isSuppressed(context.active())) {
    const carrier = unsampledCarrierOf(context.active());
    return unsampled(unsampledContext(context.active(), carrier), spanContextOf(carrier)!);
  }
  const parentContext = options.root
    ? ROOT_CONTEXT
    : remote
      ? trace.setSpanContext(ROOT_CONTEXT, remote)
      : context.active();
  const links: Link[] = [];
  for (const link of options.links ?? []) {
    const linked = link && ('traceId' in link ? link : spanContextOf(link));
    if (linked && isSpanContextValid(linked)) links.push({ context: linked });
  }
  const span = tracer().startSpan(
    name,
    { kind: KINDS[options.kind], links, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parentContext,
  );
  const carrier = span.isRecording() ? undefined : carrierOf(span.spanContext());
  if (carrier) return unsampled(unsampledContext(parentContext, carrier), span.spanContext());
  return wrap(span, trace.setSpan(parentContext, span));
}

function unsampled(work: Context, spanContext: SpanContext): MessagingSpan {
  return {
    carrier: unsampledCarrierOf(work),
    spanContext,
    run: (run) => context.with(work, run),
    end: () => undefined,
  };
}

function wrap(span: Span, spanContextOfWork: Context): MessagingSpan {
  return {
    carrier: carrierOf(span.spanContext()),
    spanContext: span.spanContext(),
    run: (work) => context.with(spanContextOfWork, work),
    end(error) {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span.end();
    },
  };
}

/** Runs `work` inside the span (when there is one) and ends it with the outcome. */
export async function inMessagingSpan<T>(span: MessagingSpan | undefined, work: () => Promise<T>): Promise<T> {
  if (!span) return work();
  try {
    const result = await span.run(work);
    span.end();
    return result;
  } catch (error) {
    span.end(error);
    throw error;
  }
}

/** `trace_id` and `span_id` of the current span, for log lines; empty when there is none. */
export function currentTraceIds(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext && isSpanContextValid(spanContext)
    ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
    : {};
}
