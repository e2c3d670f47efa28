import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import type { User, UserStore } from '../application/ports/user-store';
import { UserRecord } from './user.record';

@Injectable()
export class PostgresUserStore implements UserStore {
  constructor(private readonly dataSource: DataSource) {}

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<User | undefined> {
    return (await manager.getRepository(UserRecord).findOneBy({ id })) ?? undefined;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    return (await this.dataSource.getRepository(UserRecord).findOneBy({ email })) ?? undefined;
  }

  async lock(manager: EntityManager, id: string): Promise<User | undefined> {
    const user = await manager
      .getRepository(UserRecord)
      .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    return user ?? undefined;
  }

  async insert(manager: EntityManager, user: Omit<User, 'version' | 'createdAt'>): Promise<boolean> {
    try {
      await manager.getRepository(UserRecord).insert({ ...user, version: 1 });
      return true;
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') return false;
      throw error;
    }
  }

  async changeRoles(manager: EntityManager, user: User, roles: string[]): Promise<number> {
    return (await manager.getRepository(UserRecord).save({ ...user, roles })).version;
  }

  page(limit: number, after: { createdAt: string; id: string } | undefined): Promise<User[]> {
    const builder = this.dataSource
      .getRepository(UserRecord)
      .createQueryBuilder('u')
      .orderBy('u.created_at', 'ASC')
      .addOrderBy('u.id', 'ASC')
      .limit(limit);
    if (after) builder.where('(u.created_at, u.id) > (:createdAt, :id)', after);
    return builder.getMany();
  }
}
