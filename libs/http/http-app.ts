import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Settings } from '#libs/config';
import {
  installHttpMetrics,
  installMessageContext,
  NestPinoLogger,
  requestIdOf,
  type AppLogger,
} from '#libs/observability';
import { ProblemDetailsFilter } from './problem.filter';
import { installSecurityHeaders } from './security-headers';
import { createValidationPipe } from './validation';

/**
 * Builds the Nest application on Fastify with the conventions every module relies on:
 * problem+json errors, strict validation, body limit, request ids, security headers,
 * metrics, and the OpenAPI document at /docs and /docs-json.
 */
export async function createHttpApp(
  rootModule: DynamicModule,
  settings: Settings,
  logger: AppLogger,
  version: string,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    logger: false,
    // No Nest middleware (MiddlewareConsumer) anywhere: @fastify/middie would only cost every request a hook.
    skipMiddie: true,
    bodyLimit: settings.bodyLimitBytes,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    genReqId: requestIdOf,
    requestIdHeader: false,
    // On close: idle keep-alive sockets are closed at once, busy ones after their response.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
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
  installHttpMetrics(fastify, logger);
  installSecurityHeaders(fastify);
  installMessageContext(fastify);
  if (settings.corsOrigins.length > 0) {
    app.enableCors({
      origin: settings.corsOrigins,
      exposedHeaders: ['ETag', 'X-Request-Id', 'Consistency-Token', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
    });
  }
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(createValidationPipe());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tessera API')
      .setDescription(
        'Commerce backend: identity, catalog, inventory, ordering, payments, notifications. Errors are RFC 9457 problem+json.',
      )
      .setVersion(version)
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
