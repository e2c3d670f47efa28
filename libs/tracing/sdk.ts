import type { IncomingMessage } from 'node:http';
import { context, diag, propagation, ROOT_CONTEXT, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { core, NodeSDK, resources, tracing } from '@opentelemetry/sdk-node';
import type { ContextManager, Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { isUnsampledCarrier, markUnsampled, unsampledCarrierOf } from './carrier';

/** Probes and scrapes arrive every few seconds from every balancer and Prometheus: not traces. */
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

/** What the process runs, for the resource attributes `tessera.modules` and `tessera.roles`. */
export interface TracedProcess {
  readonly modules: readonly string[];
  readonly roles: readonly string[];
}

export interface StartedSdk {
  nameProcess(process: TracedProcess): void;
  shutdown(): Promise<void>;
  readonly queueTelemetry: Telemetry;
  /** Names the HTTP server span of the request in progress after its route (`POST /v1/orders`). */
  recordRoute(route: string): void;
  /** `ctx` with tracing suppressed: what an unsampled request or event runs in. */
  suppress(ctx: Context): Context;
  isSuppressed(ctx: Context): boolean;
}

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, as the SDK would build it
 * (parentbased_always_on when unset).
 */
export function samplerFromEnv(env: NodeJS.ProcessEnv): tracing.Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'parentbased_always_on';
  const ratio = () => {
    const arg = Number(env.OTEL_TRACES_SAMPLER_ARG?.trim() || 'NaN');
    if (Number.isFinite(arg) && arg >= 0 && arg <= 1) return new tracing.TraceIdRatioBasedSampler(arg);
    diag.error(`OTEL_TRACES_SAMPLER_ARG must be a ratio in [0, 1]; sampling every trace`);
    return new tracing.TraceIdRatioBasedSampler(1);
  };
  switch (name) {
    case 'always_on':
      return new tracing.AlwaysOnSampler();
    case 'always_off':
      return new tracing.AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new tracing.ParentBasedSampler({ root: ratio() });
    case 'parentbased_always_on':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER "${name}", using parentbased_always_on`);
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() });
  }
}

/**
 * Sampling decided once per request, at the edge, before any instrumentation works: the configured
 * sampler is asked about the incoming request (its `traceparent`, or a fresh trace id), and an
 * unsampled request is left to the HTTP instrumentation's ignore path, which runs it with tracing
 * suppressed: no span, no context of its own, and pg, ioredis and fetch, which trace only under a
 * parent span, do nothing for it. Nine requests in ten at 10 % cost one draw.
 */
export class EdgeSampling {
  private readonly ids = new tracing.RandomIdGenerator();
  constructor(private readonly configured: tracing.Sampler) {}

  /** Whether an incoming request with these headers is traced. */
  sampled(headers: IncomingMessage['headers']): boolean {
    const ctx = propagation.extract(ROOT_CONTEXT, headers);
    const traceId = trace.getSpanContext(ctx)?.traceId ?? this.ids.generateTraceId();
    const { decision } = this.configured.shouldSample(ctx, traceId, 'request', SpanKind.SERVER, {}, []);
    return decision !== tracing.SamplingDecision.NOT_RECORD;
  }

  /**
   * The SDK's sampler: a SERVER span is started only for a request the edge sampled, so it is
   * recorded without a second draw (which would keep 1 % at 10 %); every other span asks the
   * configured sampler.
   */
  sdkSampler(): tracing.Sampler {
    const configured = this.configured;
    return {
      shouldSample: (ctx, traceId, name, kind, attributes, links) =>
        kind === SpanKind.SERVER
          ? { decision: tracing.SamplingDecision.RECORD_AND_SAMPLED }
          : configured.shouldSample(ctx, traceId, name, kind, attributes, links),
      toString: () => `EdgeSampling{${configured.toString()}}`,
    };
  }
}

/**
 * The standard Node SDK, configured by the OTEL_* variables (exporter, sampler, propagators,
 * resource attributes). `service.name` is `tessera` unless OTEL_SERVICE_NAME or
 * OTEL_RESOURCE_ATTRIBUTES names it; `tessera.modules` and `tessera.roles` follow once the flags
 * are parsed (the exporter waits for them).
 */
export function startSdk(env: NodeJS.ProcessEnv, version: string): StartedSdk {
  let name!: (process: TracedProcess) => void;
  const named = new Promise<TracedProcess>((resolve) => (name = resolve));
  // A process that stops before parsing its flags still exports what it traced.
  setTimeout(() => name({ modules: [], roles: [] }), 10_000).unref();
  const edge = new EdgeSampling(samplerFromEnv(env));
  const sdk = new NodeSDK({
    sampler: edge.sdkSampler(),
    // Traces only, unless asked: metrics are Prometheus's (/metrics) and logs go to stdout, so the
    // SDK's default OTLP metric and log exporters stay off without OTEL_METRICS/LOGS_EXPORTER.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    resource: resources.resourceFromAttributes({
      'service.name': 'tessera',
      'service.version': version,
      'tessera.modules': named.then((p) => p.modules.join(',')),
      'tessera.roles': named.then((p) => p.roles.join(',')),
    }),
    instrumentations: [
      // The one SERVER span of a request, named after the route the app records (recordRoute).
      // Unsampled requests are "ignored": they run with tracing suppressed (EdgeSampling).
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.test(request.url ?? '') || !edge.sampled(request.headers),
      }),
      // Only under a span: pollers (the relays, BullMQ's blocking reads, replica checks) would each
      // start a trace a second, and unsampled work, which runs with no span, makes none.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
    ],
  });
  sdk.start();
  return {
    nameProcess: (process) => name(process),
    shutdown: () => sdk.shutdown(),
    queueTelemetry: withoutRootHousekeeping(new BullMQOtel({ tracerName: 'tessera', version })),
    recordRoute(route) {
      const metadata = core.getRPCMetadata(context.active());
      if (metadata?.type === core.RPCType.HTTP) metadata.route = route;
    },
    suppress: (ctx) => core.suppressTracing(ctx),
    isSuppressed: (ctx) => core.isTracingSuppressed(ctx),
  };
}

/**
 * BullMQ's telemetry with its housekeeping (polling for the next job, renewing locks, looking for
 * stalled jobs) traced only inside a trace that is already running: alone, each poll would be a trace.
 * Unsampled work makes no span, and its jobs carry its unsampled `traceparent`, so their workers
 * run unsampled too instead of starting traces of their own.
 */
function withoutRootHousekeeping(telemetry: Telemetry): Telemetry {
  const manager = telemetry.contextManager as ContextManager<Context>;
  const tracer = telemetry.tracer;
  const unsampled = {
    setSpanOnContext: (ctx: unknown) => ctx,
    setAttribute: () => undefined,
    setAttributes: () => undefined,
    addEvent: () => undefined,
    recordException: () => undefined,
    end: () => undefined,
  };
  const contextManager: ContextManager<Context> = {
    with: (ctx, fn) => manager.with(ctx, fn),
    active: () => manager.active(),
    ...(manager.root ? { root: manager.root.bind(manager) } : {}),
    getMetadata: (ctx) =>
      !trace.getSpan(ctx) && core.isTracingSuppressed(ctx)
        ? JSON.stringify(unsampledCarrierOf(ctx))
        : manager.getMetadata(ctx),
    fromMetadata(active, metadata) {
      const carrier = parseCarrier(metadata);
      return carrier && isUnsampledCarrier(carrier)
        ? markUnsampled(core.suppressTracing(active), carrier)
        : manager.fromMetadata(active, metadata);
    },
  };
  return {
    ...telemetry,
    contextManager,
    tracer: {
      startSpan(spanName, options, ctx) {
        const parentContext = (ctx as Context | undefined) ?? context.active();
        if (core.isTracingSuppressed(parentContext)) return unsampled;
        const internal = options?.kind === (SpanKind.INTERNAL as number);
        const parent: Span | undefined = trace.getSpan(parentContext);
        return internal && !parent ? unsampled : tracer.startSpan(spanName, options, ctx);
      },
    },
  };
}

function parseCarrier(metadata: string): { traceparent?: string; tracestate?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(metadata);
    return parsed && typeof parsed === 'object' ? (parsed as { traceparent?: string; tracestate?: string }) : undefined;
  } catch {
    return undefined;
  }
}
