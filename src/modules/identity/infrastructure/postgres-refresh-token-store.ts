import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RefreshToken, RefreshTokenStore } from '../application/ports/refresh-token-store';
import { RefreshTokenRecord } from './refresh-token.record';

@Injectable()
export class PostgresRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(tokenHash: string, userId: string): Promise<RefreshToken | undefined> {
    return (await this.dataSource.getRepository(RefreshTokenRecord).findOneBy({ tokenHash, userId })) ?? undefined;
  }

  async lock(manager: EntityManager, tokenHash: string): Promise<RefreshToken | undefined> {
    const repository = manager.getRepository(RefreshTokenRecord);
    return (await repository.findOne({ where: { tokenHash }, lock: { mode: 'pessimistic_write' } })) ?? undefined;
  }

  async insert(manager: EntityManager, token: RefreshToken): Promise<void> {
    await manager.getRepository(RefreshTokenRecord).insert({ ...token });
  }

  async markRotated(manager: EntityManager, tokenHash: string): Promise<void> {
    await manager.getRepository(RefreshTokenRecord).update({ tokenHash }, { status: 'rotated' });
  }

  async revokeFamily(familyId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(RefreshTokenRecord).update({ familyId }, { status: 'revoked' });
  }
}
