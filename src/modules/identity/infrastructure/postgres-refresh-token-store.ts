import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LockedRefreshToken, RefreshToken, RefreshTokenStore } from '../application/ports/refresh-token-store';
import { RefreshTokenRecord } from './refresh-token.record';

@Injectable()
export class PostgresRefreshTokenStore implements RefreshTokenStore {
  async lockFamilyOf(
    manager: EntityManager,
    tokenHash: string,
    userId?: string,
  ): Promise<LockedRefreshToken | undefined> {
    const repository = manager.getRepository(RefreshTokenRecord);
    const where = userId ? { tokenHash, userId } : { tokenHash };
    const seen = await repository.findOneBy(where);
    if (!seen) return undefined;
    // Transaction-scoped: released at commit or rollback, so it holds behind PgBouncer's
    // transaction mode. A family has no row of its own to lock; tokens are added to it.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('tessera:identity:refresh-family:' || $1, 0))`, [
      seen.familyId,
    ]);
    // Read again: a statement sees what the previous holder of the lock committed.
    const token = await repository.findOneBy(where);
    if (!token) return undefined;
    const familyRevoked = await repository.existsBy({ familyId: token.familyId, status: 'revoked' });
    return { ...token, familyRevoked };
  }

  async insert(manager: EntityManager, token: RefreshToken): Promise<void> {
    await manager.getRepository(RefreshTokenRecord).insert({ ...token });
  }

  async markRotated(manager: EntityManager, tokenHash: string): Promise<void> {
    await manager.getRepository(RefreshTokenRecord).update({ tokenHash }, { status: 'rotated' });
  }

  async revokeFamily(manager: EntityManager, familyId: string): Promise<void> {
    await manager.getRepository(RefreshTokenRecord).update({ familyId }, { status: 'revoked' });
  }
}
