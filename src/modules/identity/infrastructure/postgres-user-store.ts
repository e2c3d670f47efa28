import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import type { ListedUser, User, UserStore } from '../application/ports/user-store';
import { ADMIN } from '../domain/user-roles';
import type { UserPosition } from '../domain/user-cursor';
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

  lockWithAdmins(manager: EntityManager, ids: readonly string[]): Promise<User[]> {
    // PostgreSQL sorts before it locks: the rows are locked in id order.
    return manager
      .getRepository(UserRecord)
      .createQueryBuilder('u')
      .where('u.id IN (:...ids) OR :admin = ANY (u.roles)', { ids, admin: ADMIN })
      .orderBy('u.id', 'ASC')
      .setLock('pessimistic_write')
      .getMany();
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

  async page(limit: number, after: UserPosition | undefined): Promise<ListedUser[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, email, roles, created_at AS "createdAt",
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "exactCreatedAt"
         FROM identity.users
        WHERE (created_at, id) > ($1::timestamptz, $2::uuid)
        ORDER BY created_at, id
        LIMIT $3`,
      // The first page starts before every account.
      [after?.createdAt ?? '-infinity', after?.id ?? '00000000-0000-0000-0000-000000000000', limit],
    )) as (Omit<ListedUser, 'position'> & { exactCreatedAt: string })[];
    return rows.map(({ exactCreatedAt, ...user }) => ({
      ...user,
      position: { createdAt: exactCreatedAt, id: user.id },
    }));
  }
}
