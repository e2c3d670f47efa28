import { createHmac, createPrivateKey, createPublicKey, sign } from 'node:crypto';

/**
 * Hand-made JWTs for the negative tests: signed with the deployment's own key but wrong
 * claims, unsigned (`alg: none`), or HMAC-signed with the public key (algorithm confusion).
 */
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export interface Claims {
  sub?: string;
  iss?: string;
  aud?: string;
  exp?: number;
  iat?: number;
  nbf?: number;
  jti?: string;
  roles?: string[];
}

export function claims(overrides: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: '00000000-0000-4000-8000-000000000001',
    iss: 'tessera',
    aud: 'tessera-api',
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: `forged-${now}-${Math.random()}`,
    roles: ['customer'],
    ...overrides,
  };
}

export function signEdDSA(privateKeyPem: string, payload: Claims, header: Record<string, unknown> = {}): string {
  const key = createPrivateKey(privateKeyPem);
  const head = b64({ alg: 'EdDSA', typ: 'JWT', ...header });
  const body = b64(payload);
  return `${head}.${body}.${sign(null, Buffer.from(`${head}.${body}`), key).toString('base64url')}`;
}

export function unsigned(payload: Claims): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** HS256 keyed with the public key's PEM: what a verifier that trusts the header's `alg` would accept. */
export function hmacWithPublicKey(privateKeyPem: string, payload: Claims): string {
  const publicPem = createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'pem', type: 'spki' }).toString();
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64(payload);
  return `${head}.${body}.${createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url')}`;
}

export function tamper(token: string): string {
  const [head, body, signature] = token.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Claims;
  return `${head}.${b64({ ...payload, roles: ['customer', 'admin'] })}.${signature}`;
}
