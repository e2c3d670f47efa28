import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { ReadCache } from '#libs/cache';
import { SETTINGS } from '#libs/config';
import type { CatalogSettings } from '../../catalog.settings';
import { consistencyTokenOf } from '#libs/database';
import { bodyEtag, cacheableRead, canonicalUuid, RateLimiter } from '#libs/http';
import { registeredMetric } from '#libs/observability';
import type { ProductView } from '../../application/product-view';
import { PRODUCT_LISTS, productCacheKey } from '../../application/queries/get-product.handler';
import type { ProductPage } from '../../application/queries/list-products.handler';
import { productEtag } from '../../domain/product';
import { catalogCachePolicy } from './catalog-cache-policy';
import { ProductPageIndex } from './product-page-index';

const PRODUCT = '/v1/products/:id';
const PRODUCTS = '/v1/products';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Its share of a route's responses (`http_request_duration_seconds_count`) is the fast path's hit rate. */
const answeredEarly = registeredMetric(
  'http_responses_before_pipeline_total',
  () =>
    new Counter({
      name: 'http_responses_before_pipeline_total',
      help: "Responses answered from this process's memory cache before Nest's pipeline, by route template",
      labelNames: ['route'],
    }),
);
const answered = {
  [PRODUCT]: answeredEarly.labels({ route: PRODUCT }),
  [PRODUCTS]: answeredEarly.labels({ route: PRODUCTS }),
};

/** Serialised bodies by cached value: an entry is never mutated, so it is serialised once. */
const serialised = new WeakMap<object, string>();
function jsonOf(body: object): string {
  let json = serialised.get(body);
  if (json === undefined) serialised.set(body, (json = JSON.stringify(body)));
  return json;
}

/**
 * Answers reads that hit this process's memory cache in Fastify's `onRequest`, byte for byte as
 * the controller would (docs/decisions/0010-cache-hit-fast-path.md); anything else goes to Nest.
 */
@Injectable()
export class CachedProductReads implements OnModuleInit {
  constructor(
    private readonly cache: ReadCache,
    private readonly pages: ProductPageIndex,
    @Inject(SETTINGS) private readonly settings: CatalogSettings,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
    @Optional() private readonly limiter?: RateLimiter,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const policy = catalogCachePolicy(this.settings);
    const send = (request: FastifyRequest, reply: FastifyReply, body: object, etag: string, route: string) => {
      const fresh = cacheableRead(request, reply, body, etag, policy);
      answered[route as keyof typeof answered].inc();
      if (fresh) void reply.type(JSON_TYPE).send(jsonOf(fresh));
      else void reply.send();
    };
    const answerFromCache = (request: FastifyRequest, reply: FastifyReply): boolean => {
      if (request.routeOptions.url === PRODUCT) {
        // Keyed as the controller keys it: by the id in lower case, whatever case the client wrote.
        const id = canonicalUuid((request.params as { id: string }).id);
        const product = this.cache.peek<ProductView>(productCacheKey(id));
        if (!product || product.status === 'draft') return false;
        send(request, reply, product, productEtag(product), PRODUCT);
        return true;
      }
      const pageKey = this.pages.pageKeyOf(request.url);
      const page = pageKey === undefined ? undefined : this.cache.peekInNamespace<ProductPage>(PRODUCT_LISTS, pageKey);
      if (!page) return false;
      send(request, reply, page, bodyEtag(page), PRODUCTS);
      return true;
    };
    const limiter = this.limiter?.enabled ? this.limiter : undefined;
    // Callback style: an async hook would cost every request of every route a promise.
    fastify.addHook('onRequest', (request, reply, done) => {
      const route = request.routeOptions.url;
      if (request.method !== 'GET' || (route !== PRODUCT && route !== PRODUCTS) || consistencyTokenOf(request))
        return done();
      if (!limiter) {
        if (!answerFromCache(request, reply)) done();
        return;
      }
      limiter.count(request, 'default').then(
        (outcome) => {
          if (outcome) limiter.rememberOutcome(request, outcome);
          if (outcome && outcome.hits > outcome.limit) return done();
          if (outcome) RateLimiter.apply(reply, outcome);
          if (!answerFromCache(request, reply)) done();
        },
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }
}
