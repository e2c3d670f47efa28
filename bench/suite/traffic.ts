import { randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import type { BrowseCatalog } from './seed';

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

export interface RequestShape {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/**
 * Browsing as a shop front sees it: 60 % product pages from a hot set (2 % of the
 * catalogue), 30 % list pages (first pages per category and sort order), 10 % product pages
 * anywhere in the catalogue, which mostly miss the cache.
 */
export function browseShape(catalog: BrowseCatalog): () => RequestShape {
  const hot = catalog.productIds.slice(0, Math.max(1, Math.floor(catalog.productIds.length / 50)));
  const lists = [
    '/v1/products?limit=20',
    ...catalog.categoryIds.flatMap((c) => [
      `/v1/products?category=${c}&limit=20`,
      `/v1/products?category=${c}&sort=price_asc&limit=20`,
    ]),
  ];
  return () => {
    const roll = Math.random();
    if (roll < 0.6) return { method: 'GET', path: `/v1/products/${pick(hot)}` };
    if (roll < 0.9) return { method: 'GET', path: pick(lists) };
    return { method: 'GET', path: `/v1/products/${pick(catalog.productIds)}` };
  };
}

/**
 * Every product once per cycle, in a shuffled order shared by all connections: with 10,000
 * products a product comes round again only after 10,000 requests, longer than the 1 s cache
 * lifetime the uncached app runs with at any rate this machine reaches, so (nearly) every read
 * is a miss; the suite reports the measured hit ratio.
 */
export function uncachedShape(catalog: BrowseCatalog): () => RequestShape {
  const order = [...catalog.productIds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let next = 0;
  return () => ({ method: 'GET', path: `/v1/products/${order[next++ % order.length]}` });
}

/** One line of quantity 1, a random customer, a fresh Idempotency-Key: every POST is a new order. */
export function orderShape(productIds: readonly string[], customers: readonly string[]): () => RequestShape {
  return () => ({
    method: 'POST',
    path: '/v1/orders',
    headers: {
      'content-type': 'application/json',
      authorization: pick(customers),
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify({ lines: [{ productId: pick(productIds), quantity: 1 }], paymentMethod: 'pm_card_ok' }),
  });
}

/** Responses per kind of request and status class, for mixes whose parts answer differently. */
export type KindCounts = Record<string, Record<string, number>>;

export interface WeightedShape {
  readonly kind: string;
  readonly weight: number;
  readonly next: () => RequestShape;
}

/** Draws a kind by weight, then a request of that kind. */
export function chooser(kinds: readonly WeightedShape[]): () => { kind: string; shape: RequestShape } {
  const total = kinds.reduce((sum, k) => sum + k.weight, 0);
  return () => {
    let roll = Math.random() * total;
    const chosen = kinds.find((k) => (roll -= k.weight) < 0) ?? kinds[kinds.length - 1]!;
    return { kind: chosen.kind, shape: chosen.next() };
  };
}

export function tally(counts: KindCounts, kind: string, status: number): void {
  const byStatus = (counts[kind] ??= {});
  const key = `${Math.floor(status / 100)}xx`;
  byStatus[key] = (byStatus[key] ?? 0) + 1;
}

/**
 * An autocannon request drawing a fresh shape for every request; with `counts`, each
 * response is tallied under its kind (the connection's context carries the kind from the
 * request to its response).
 */
export function loadRequest(kinds: readonly WeightedShape[], counts?: KindCounts): autocannon.Request {
  const choose = chooser(kinds);
  return {
    method: 'GET',
    setupRequest: (request, context) => {
      const { kind, shape } = choose();
      if (counts) (context as { kind?: string }).kind = kind;
      return {
        ...request,
        method: shape.method,
        path: shape.path,
        headers: shape.headers ?? {},
        body: shape.body,
      };
    },
    ...(counts
      ? {
          onResponse: (status: number, _body: string, context: object) =>
            tally(counts, (context as { kind?: string }).kind ?? 'unknown', status),
        }
      : {}),
  };
}
