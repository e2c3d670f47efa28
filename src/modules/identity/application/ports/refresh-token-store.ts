import type { EntityManager } from 'typeorm';
import type { RefreshTokenState } from '../../domain/refresh-token-rotation';

/** One refresh token, known by the SHA-256 of its value (`hashRefreshToken`). */
export interface RefreshToken extends RefreshTokenState {
  readonly tokenHash: string;
  readonly familyId: string;
  readonly userId: string;
}

/** Refresh tokens and their families. Methods taking a manager run in the caller's transaction. */
export abstract class RefreshTokenStore {
  abstract find(tokenHash: string, userId: string): Promise<RefreshToken | undefined>;
  /** Locked until the caller's transaction ends: two uses of one token cannot both rotate it. */
  abstract lock(manager: EntityManager, tokenHash: string): Promise<RefreshToken | undefined>;
  abstract insert(manager: EntityManager, token: RefreshToken): Promise<void>;
  abstract markRotated(manager: EntityManager, tokenHash: string): Promise<void>;
  abstract revokeFamily(familyId: string, manager?: EntityManager): Promise<void>;
}
