import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { Settings } from '#libs/config';
import { isTracing, recordHttpRoute } from '#libs/tracing';
import {
  installHttpMetrics,
  installMessageContext,
  NestPinoLogger,
  requestIdOf,
  type AppLogger,
} from '#libs/observability';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  installConnectHandler,
  installExpectationHandler,
  MAX_HEADER_BYTES,
} from './client-errors';
import { installInputGuards } from './input-guards';
import { installJsonBodyParser } from './json-body';
import { installRefusedBodyDrain, LINGER_MS } from './lingering-close';
import { apiDocument } from './openapi/api-document';
import { ProblemDetailsFilter } from './problem.filter';
import { installSecurityHeaders } from './security-headers';
import { createValidationPipe } from './validation';

/** Longest path parameter (ids are 36 characters, SKUs 64); a longer one is 414 `uri-too-long`. */
const MAX_PARAM_LENGTH = 100;

/**
 * Nest on Fastify (docs/decisions/0005-fastify.md) with the conventions every module relies on.
 * No input reaches a 500: what the parser, the router or the input guards refuse is a 4xx problem+json.
 */
export async function createHttpApp(
  rootModule: DynamicModule,
  settings: Settings,
  logger: AppLogger,
  version: string,
): Promise<NestFastifyApplication> {
  const requestTimeout = settings.requestTimeoutMs;
  const adapter = new FastifyAdapter({
    logger: false,
    http: {
      maxHeaderSize: MAX_HEADER_BYTES,
      // Checked often enough to hold within a quarter: else a body sent a byte a second holds its connection.
      requestTimeout,
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(requestTimeout / 4))),
      // Answered by installInputGuards as problem+json instead of Node's empty 400.
      requireHostHeader: false,
    },
    requestTimeout,
    clientErrorHandler: clientErrorHandler(requestTimeout, (event) =>
      logger.info({ reqId: event.requestId, status: event.status, code: event.code }, 'client error answered'),
    ),
    frameworkErrors: frameworkErrorHandler,
    // No Nest middleware (MiddlewareConsumer) anywhere: @fastify/middie would only cost every request a hook.
    skipMiddie: true,
    bodyLimit: settings.bodyLimitBytes,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    genReqId: requestIdOf,
    requestIdHeader: false,
    // On close: idle keep-alive sockets are closed at once, busy ones after their response.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // request.ip is the client's address, read from X-Forwarded-For only behind trusted proxies.
    trustProxy: settings.trustProxy ?? false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
    // Signed webhooks are verified over the bytes received, not a re-serialisation.
    rawBody: true,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // The HTTP instrumentation's server span takes the route's name and `http.route` (decision 0032).
  if (isTracing()) {
    fastify.addHook('onRequest', (request, _reply, done) => {
      recordHttpRoute(request.routeOptions.url);
      done();
    });
  }
  installHttpMetrics(fastify, logger);
  installSecurityHeaders(fastify);
  installMessageContext(fastify);
  installExpectationHandler(fastify.server);
  installConnectHandler(fastify.server);
  installJsonBodyParser(app, settings.bodyLimitBytes);
  // Within the request timeout, so a stalled body gets its 413 rather than a 408.
  installRefusedBodyDrain(fastify, Math.min(LINGER_MS, requestTimeout / 2));
  installInputGuards(fastify);
  if (settings.corsOrigins.length > 0) {
    app.enableCors({
      origin: settings.corsOrigins,
      exposedHeaders: ['ETag', 'X-Request-Id', 'Consistency-Token', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
    });
  }
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  SwaggerModule.setup('docs', app, apiDocument(app, version), { jsonDocumentUrl: 'docs-json' });
  return app;
}
