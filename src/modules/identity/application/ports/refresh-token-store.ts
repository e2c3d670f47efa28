import type { EntityManager } from 'typeorm';
import type { PresentedRefreshToken, RefreshTokenState } from '../../domain/refresh-token-rotation';

/** One refresh token, known by the SHA-256 of its value (`hashRefreshToken`). */
export interface RefreshToken extends RefreshTokenState {
  readonly tokenHash: string;
  readonly familyId: string;
  readonly userId: string;
}

/** A token read under its family's lock (`lockFamilyOf`). */
export type LockedRefreshToken = RefreshToken & PresentedRefreshToken;

/** Refresh tokens and their families. Every method runs in the caller's transaction. */
export abstract class RefreshTokenStore {
  /**
   * The token (with `userId`, only if it is that user's), read after locking its family until
   * the caller's transaction ends. Rotation, reuse detection and logout each change a family
   * under this lock, so none of them misses a token another one is adding.
   */
  abstract lockFamilyOf(
    manager: EntityManager,
    tokenHash: string,
    userId?: string,
  ): Promise<LockedRefreshToken | undefined>;
  abstract insert(manager: EntityManager, token: RefreshToken): Promise<void>;
  abstract markRotated(manager: EntityManager, tokenHash: string): Promise<void>;
  /** Every token of the family, also those rotated: call it under the family's lock. */
  abstract revokeFamily(manager: EntityManager, familyId: string): Promise<void>;
}
