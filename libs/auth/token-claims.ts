import { KNOWN_ROLES, type AuthUser } from './auth-user';

/** A signed token that cannot be accepted: the guard answers 401 with this message. */
export class InvalidAccessToken extends Error {
  override readonly name = 'InvalidAccessToken';
}

/** The claims of a verified token that name the caller, as untrusted values. */
export interface TokenClaims {
  readonly sub?: unknown;
  readonly jti?: unknown;
  readonly roles?: unknown;
}

/** What every contract (zod's `z.uuid()`) and uuid column accept: version 1-8, or nil or max. */
const UUID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|0{8}-0{4}-0{4}-0{4}-0{12}|f{8}-f{4}-f{4}-f{4}-f{12})$/i;
/** `jti`: identity issues UUIDs; any short printable token is accepted. */
const TOKEN_ID = /^[\x21-\x7e]{1,200}$/;
const MAX_ROLES = 16;

/** A validly signed token of any other shape than identity issues is refused (401), never used. */
export function authUserFromClaims(payload: TokenClaims): AuthUser {
  const { sub, jti, roles } = payload;
  if (typeof sub !== 'string' || !UUID.test(sub))
    throw new InvalidAccessToken("the token's sub claim is not a user id");
  if (typeof jti !== 'string' || !TOKEN_ID.test(jti))
    throw new InvalidAccessToken("the token's jti claim is malformed");
  if (
    !Array.isArray(roles) ||
    roles.length > MAX_ROLES ||
    !roles.every((role): role is string => typeof role === 'string' && KNOWN_ROLES.includes(role))
  ) {
    throw new InvalidAccessToken(`the token's roles claim must be a list of ${KNOWN_ROLES.join(', ')}`);
  }
  return { id: sub.toLowerCase(), roles: [...new Set(roles)], tokenId: jti };
}
