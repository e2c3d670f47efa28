import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** 1 to 255 printable ASCII characters (a UUID is the usual choice). */
const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** The key of an `Idempotency-Key` header, or what is wrong with the header. */
export function checkIdempotencyKey(value: string | string[] | undefined): { key: string } | { error: string } {
  const key = Array.isArray(value) ? value.join(', ') : value;
  if (!key) return { error: 'send an Idempotency-Key header (a fresh UUID per new request)' };
  if (!KEY_PATTERN.test(key)) return { error: 'Idempotency-Key must be 1 to 255 printable ASCII characters' };
  return { key };
}

/** sha256 of the canonical JSON of method, path and body: what "the same request" means. */
export function requestHash(request: { method: string; path: string; body: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson({ method: request.method.toUpperCase(), path: request.path, body: request.body ?? null }))
    .digest('hex');
}
