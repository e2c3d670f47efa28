import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { EntityManager } from 'typeorm';
import { SIGNING_ALGORITHM } from '#libs/auth';
import { SETTINGS } from '#libs/config';
import type { IdentitySettings } from '../identity.settings';
import { hashRefreshToken } from '../domain/refresh-token-rotation';
import { RefreshTokenStore } from './ports/refresh-token-store';
import { SigningKeyStore } from './ports/signing-key-store';

export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
}

/** Issues an access token and a refresh token of a new family, or of `familyId`, in the caller's transaction. */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly keys: SigningKeyStore,
    private readonly tokens: RefreshTokenStore,
    @Inject(SETTINGS) private readonly settings: IdentitySettings,
  ) {}

  async issue(
    manager: EntityManager,
    user: { id: string; roles: readonly string[] },
    familyId: string = randomUUID(),
  ): Promise<Session> {
    const refreshToken = randomBytes(32).toString('base64url');
    await this.tokens.insert(manager, {
      tokenHash: hashRefreshToken(refreshToken),
      familyId,
      userId: user.id,
      status: 'active',
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlDays * 86_400_000),
    });
    return { accessToken: await this.accessToken(user), refreshToken, expiresIn: this.settings.accessTokenTtlSeconds };
  }

  private async accessToken(user: { id: string; roles: readonly string[] }): Promise<string> {
    const key = await this.keys.signingKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: [...user.roles] })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(this.settings.authIssuer)
      .setAudience(this.settings.authAudience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.settings.accessTokenTtlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }
}
