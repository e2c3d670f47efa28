import type { HeaderObject } from '@nestjs/swagger';

const text = (description: string): HeaderObject => ({ description, schema: { type: 'string' } });

/** The response headers clients act on, described once for every operation that sends them. */
export const RESPONSE_HEADERS = {
  ETag: text("The representation's version: send it in `If-None-Match` (304) or `If-Match` (412 when stale)."),
  Location: text('The path of the resource just created.'),
  'Cache-Control': text('How long a shared cache may keep the response; `no-store` when it carries tokens.'),
  'Consistency-Token': text(
    'The database position of this write: send it on the next read to read at least this write, from any replica.',
  ),
  'Idempotent-Replayed': text('`true` when this is the stored first response to the same `Idempotency-Key`.'),
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 0 } },
  RateLimit: text(
    'The client\'s remaining quota in its policy group (IETF RateLimit fields), e.g. `"default";r=99;t=60`.',
  ),
  'WWW-Authenticate': text('The bearer challenge and why the token was refused, e.g. `Bearer error="invalid_token"`.'),
  'RateLimit-Policy': text('The policy group\'s quota and window, e.g. `"default";q=100;w=60`.'),
} satisfies Record<string, HeaderObject>;

export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS;

/** The named headers, for an `@ApiResponse({ headers })`. */
export function responseHeaders(...names: ResponseHeaderName[]): Record<string, HeaderObject> {
  return Object.fromEntries(names.map((name) => [name, RESPONSE_HEADERS[name]]));
}
