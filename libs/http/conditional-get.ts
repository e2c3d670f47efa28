import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * ETags already computed, by body object. Cached reads hand out the same (never mutated)
 * object on every hit, so a list page is serialised and hashed once per cache entry, not once
 * per request (docs/decisions/0010).
 */
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

/**
 * Marks a public read cacheable (ETag + Cache-Control, so a CDN may serve it) and answers
 * 304 with no body when the client already holds this version. Returns the body to send,
 * or undefined for a 304.
 */
export function cacheableRead<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  body: T,
  etag: string,
  policy: { maxAgeSeconds: number; staleWhileRevalidateSeconds: number },
): T | undefined {
  void reply.header('ETag', etag);
  void reply.header(
    'Cache-Control',
    `public, max-age=${policy.maxAgeSeconds}, stale-while-revalidate=${policy.staleWhileRevalidateSeconds}`,
  );
  if (matches(request.headers['if-none-match'], etag)) {
    void reply.status(304);
    return undefined;
  }
  return body;
}
