import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** By body object: a cached read's object is hashed once per entry (docs/decisions/0010-cache-hit-fast-path.md). */
const knownEtags = new WeakMap<object, string>();

/** A strong ETag over a response body, for responses without a version of their own (lists). */
export function bodyEtag(body: unknown): string {
  const memo = typeof body === 'object' && body !== null ? body : undefined;
  const known = memo && knownEtags.get(memo);
  if (known) return known;
  const etag = `"${createHash('sha1').update(JSON.stringify(body)).digest('base64url')}"`;
  if (memo) knownEtags.set(memo, etag);
  return etag;
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // If-None-Match compares weakly: W/"x" matches "x".
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/** What a shared cache (a CDN) may do with a public read. */
export class HttpCachePolicy {
  /** The `Cache-Control` header, written once: every cached read sends it. */
  readonly cacheControl: string;

  constructor(seconds: { maxAge: number; staleWhileRevalidate: number; staleIfError: number }) {
    this.cacheControl =
      `public, max-age=${seconds.maxAge}, stale-while-revalidate=${seconds.staleWhileRevalidate}, ` +
      `stale-if-error=${seconds.staleIfError}`;
  }
}

/** ETag + Cache-Control on a public read; undefined when the answer is a 304. */
export function cacheableRead<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  body: T,
  etag: string,
  policy: HttpCachePolicy,
): T | undefined {
  void reply.header('ETag', etag);
  void reply.header('Cache-Control', policy.cacheControl);
  if (matches(request.headers['if-none-match'], etag)) {
    void reply.status(304);
    return undefined;
  }
  return body;
}
