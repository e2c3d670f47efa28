import { Inject, Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import { SETTINGS, type Settings } from '#libs/config';
import type { AuthUser } from './auth-user';
import { LocalJwks } from './local-jwks';

export class InvalidAccessToken extends Error {
  override readonly name = 'InvalidAccessToken';
}

/** The one algorithm Tessera signs with; pinning it defeats `alg: none` and HMAC confusion. */
export const SIGNING_ALGORITHM = 'EdDSA';

/**
 * Verifies access tokens locally: signature against the JWKS (in-process keys when the
 * identity module runs here, else AUTH_JWKS_URL, cached and refetched on an unknown `kid`),
 * the pinned algorithm, issuer, audience, and `exp`/`nbf` with a small clock skew.
 */
@Injectable()
export class AccessTokenVerifier {
  private remote: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly options: JWTVerifyOptions;
  private lastRefresh = 0;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly local: LocalJwks,
  ) {
    this.options = {
      algorithms: [SIGNING_ALGORITHM],
      issuer: settings.authIssuer,
      audience: settings.authAudience,
      clockTolerance: settings.authClockSkewSeconds,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      typ: 'JWT',
    };
  }

  async verify(token: string, retried = false): Promise<AuthUser> {
    try {
      const { payload } = await jwtVerify(token, this.keyResolver(), this.options);
      return toUser(payload);
    } catch (error) {
      // An unknown kid may be a key rotated in since the keys were read: re-read them, at
      // most once a second so tokens with made-up kids cannot turn into a reload storm.
      if (error instanceof errors.JWKSNoMatchingKey && !retried && Date.now() - this.lastRefresh > 1000) {
        this.lastRefresh = Date.now();
        await (this.local.current ? this.local.current.refresh() : this.remote?.reload());
        return this.verify(token, true);
      }
      throw new InvalidAccessToken(describe(error));
    }
  }

  private keyResolver(): JWTVerifyGetKey {
    const local = this.local.current;
    if (local) return createLocalJWKSet({ keys: [...local.publicKeys()] });
    if (!this.settings.authJwksUrl) throw new InvalidAccessToken('no signing keys are known to this process');
    this.remote ??= createRemoteJWKSet(new URL(this.settings.authJwksUrl), {
      cooldownDuration: 5000,
      cacheMaxAge: 600_000,
      timeoutDuration: 3000,
    });
    return this.remote;
  }
}

function toUser(payload: JWTPayload): AuthUser {
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  if (!payload.sub || !payload.jti) throw new InvalidAccessToken('token lacks sub or jti');
  return { id: payload.sub, roles, tokenId: payload.jti };
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with the accepted algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with an unknown key';
  if (error instanceof errors.JOSEError) return 'the token is malformed';
  if (error instanceof InvalidAccessToken) return error.message;
  return 'the token could not be verified';
}
