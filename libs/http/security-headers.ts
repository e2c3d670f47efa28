import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/** What a JSON response needs (OWASP REST): five, not helmet's 12 (docs/decisions/0024-five-security-headers.md). */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Where `createHttpApp` mounts the OpenAPI explorer and its assets. */
const DOCUMENTATION_PREFIX = '/docs';

/** helmet's headers for the OpenAPI explorer, an HTML page with inline scripts and styles. */
function documentationHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  })({} as never, response as never, () => undefined);
  return headers;
}

/** Once: @fastify/helmet parses the CSP on every request (docs/decisions/0024-five-security-headers.md). */
export function installSecurityHeaders(fastify: FastifyInstance): void {
  const documentation = documentationHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(request.url.startsWith(DOCUMENTATION_PREFIX) ? documentation : API_SECURITY_HEADERS);
    done();
  });
}
