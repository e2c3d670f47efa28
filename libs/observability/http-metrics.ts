import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, register } from 'prom-client';
import type { AppLogger } from './logger';

/**
 * Records every response in `http_request_duration_seconds` labelled by the route
 * template (`/v1/products/:id`, never the raw URL, which would explode cardinality) and
 * writes one access-log line carrying the request id.
 */
export function installHttpMetrics(fastify: FastifyInstance, logger: AppLogger): void {
  const histogram =
    (register.getSingleMetric('http_request_duration_seconds') as
      Histogram<'method' | 'route' | 'status_code'> | undefined) ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  // Callback-style hooks: an async hook costs a promise and a microtask on every request.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    try {
      recordResponse(request, reply);
    } finally {
      done();
    }
  });

  // One labelled child per series, found by a string key: `observe(labels, value)` hashes the
  // label object (sorting its keys) on every request.
  const series = new Map<string, ReturnType<typeof histogram.labels>>();
  function seriesOf(method: string, route: string, status: number): ReturnType<typeof histogram.labels> {
    const key = `${method} ${status} ${route}`;
    let child = series.get(key);
    if (!child) series.set(key, (child = histogram.labels({ method, route, status_code: String(status) })));
    return child;
  }

  function recordResponse(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    seriesOf(request.method, route, reply.statusCode).observe(seconds);
    if (route === '/health/live' || route === '/health/ready' || route === '/metrics') return;
    logger.info(
      {
        reqId: request.id,
        method: request.method,
        route,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  }
}
