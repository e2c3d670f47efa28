import { createHash } from 'node:crypto';

/** What identity knows of one refresh token. */
export interface RefreshTokenState {
  readonly status: 'active' | 'rotated' | 'revoked';
  readonly expiresAt: Date;
}

export type RefreshDecision =
  /** Valid: issue a new pair and retire this token. */
  | 'rotate'
  /** Already rotated: someone replays an old token, so the whole family is revoked. */
  | 'revoke-family'
  /** Expired or revoked: refuse, nothing else to do. */
  | 'refuse';

/**
 * Refresh tokens rotate on every use. Presenting one that was already rotated means two
 * parties hold the family (the token leaked), so every token of the family dies.
 */
export function decideRefresh(token: RefreshTokenState | undefined, now: Date): RefreshDecision {
  if (!token) return 'refuse';
  if (token.status === 'rotated') return 'revoke-family';
  if (token.status === 'revoked' || token.expiresAt.getTime() <= now.getTime()) return 'refuse';
  return 'rotate';
}

/** How a refresh token is stored: a database leak yields no usable token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
