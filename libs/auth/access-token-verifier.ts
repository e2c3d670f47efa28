import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type JWK,
} from 'jose';
import { SETTINGS, type Settings } from '#libs/config';
import { RepeatedFailureLog } from '../observability/repeated-failure-log';
import type { AuthUser } from './auth-user';
import { LocalJwks } from './local-jwks';
import { authUserFromClaims, InvalidAccessToken } from './token-claims';

const VERIFIED_CACHE_SIZE = 10_000;

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
  /** The in-process key set, rebuilt only when identity's key list changes (importing keys is costly). */
  private localSet: { keys: readonly JWK[]; resolve: JWTVerifyGetKey } | undefined;
  /** Tokens verified recently, until their `exp`: a client reuses one token for many requests. */
  private readonly verified = new Map<string, { user: AuthUser; expiresAt: number }>();
  private readonly options: JWTVerifyOptions;
  private lastRefresh = 0;
  /** While AUTH_JWKS_URL cannot be fetched, every token naming an unknown key fails to reload it. */
  private readonly fetchFailures = new RepeatedFailureLog(
    new Logger('AccessTokenVerifier'),
    'fetching AUTH_JWKS_URL failed; tokens naming an unknown key are refused',
    'on-success',
  );

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
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached.user;
    try {
      const { payload } = await jwtVerify(token, this.keyResolver(), this.options);
      const user = authUserFromClaims(payload);
      this.remember(token, user, payload.exp as number);
      return user;
    } catch (error) {
      // An unknown kid may be a key rotated in since the keys were read: re-read them, at
      // most once a second so tokens with made-up kids cannot turn into a reload storm.
      if (error instanceof errors.JWKSNoMatchingKey && !retried && Date.now() - this.lastRefresh > 1000) {
        this.lastRefresh = Date.now();
        if (await this.reloadKeys()) return this.verify(token, true);
      }
      throw new InvalidAccessToken(describe(error));
    }
  }

  /**
   * Whether the keys were read again. A JWKS that cannot be fetched (identity restarting or
   * down) leaves the keys known so far: the token's key is unknown, as for any made-up kid.
   * In-process keys come from the database, whose outage is answered as such.
   */
  private async reloadKeys(): Promise<boolean> {
    if (this.local.current) {
      await this.local.current.refresh();
      return true;
    }
    try {
      await this.remote?.reload();
      this.fetchFailures.succeeded();
      return true;
    } catch (error) {
      this.fetchFailures.failed(error instanceof Error ? error.message : String(error));
      return false;
    }
  }

  private remember(token: string, user: AuthUser, exp: number): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      // Maps iterate in insertion order: drop the oldest entry.
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, { user, expiresAt: exp * 1000 });
  }

  private keyResolver(): JWTVerifyGetKey {
    const local = this.local.current;
    if (local) {
      const keys = local.publicKeys();
      if (this.localSet?.keys !== keys) this.localSet = { keys, resolve: createLocalJWKSet({ keys: [...keys] }) };
      return this.localSet.resolve;
    }
    if (!this.settings.authJwksUrl) throw new InvalidAccessToken('no signing keys are known to this process');
    this.remote ??= createRemoteJWKSet(new URL(this.settings.authJwksUrl), {
      cooldownDuration: 5000,
      cacheMaxAge: 600_000,
      timeoutDuration: 3000,
    });
    return this.remote;
  }
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
