import { createHash } from 'node:crypto';

/** What identity knows of one refresh token. */
export interface RefreshTokenState {
  readonly status: 'active' | 'rotated' | 'revoked';
  readonly expiresAt: Date;
}

/** A token as a refresh finds it: its own state, and whether its family was revoked (logout or reuse). */
export interface PresentedRefreshToken extends RefreshTokenState {
  readonly familyRevoked: boolean;
}

export type RefreshDecision =
  /** Valid: issue a new pair and retire this token. */
  | 'rotate'
  /** Already rotated: someone replays an old token, so the whole family is revoked. */
  | 'revoke-family'
  /** Expired, revoked, or of a revoked family: refuse, nothing else to do. */
  | 'refuse';

/**
 * Refresh tokens rotate on every use. Presenting one that was already rotated means two
 * parties hold the family (the token leaked), so every token of the family dies. Nothing of a
 * revoked family renews a session, whatever the state of the one token presented.
 */
export function decideRefresh(token: PresentedRefreshToken | undefined, now: Date): RefreshDecision {
  if (!token || token.familyRevoked) return 'refuse';
  if (token.status === 'rotated') return 'revoke-family';
  if (token.status === 'revoked' || token.expiresAt.getTime() <= now.getTime()) return 'refuse';
  return 'rotate';
}

/** How a refresh token is stored: a database leak yields no usable token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
