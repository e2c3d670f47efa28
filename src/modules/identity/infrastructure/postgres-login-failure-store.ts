import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { LoginFailureStore } from '../application/ports/login-failure-store';
import type { LoginFailures } from '../domain/login-throttle';
import { LoginFailureRecord } from './login-failure.record';

@Injectable()
export class PostgresLoginFailureStore implements LoginFailureStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(email: string): Promise<LoginFailures | undefined> {
    return (await this.dataSource.getRepository(LoginFailureRecord).findOneBy({ email })) ?? undefined;
  }

  async lock(manager: EntityManager, email: string): Promise<LoginFailures | undefined> {
    const repository = manager.getRepository(LoginFailureRecord);
    return (await repository.findOne({ where: { email }, lock: { mode: 'pessimistic_write' } })) ?? undefined;
  }

  async save(manager: EntityManager, email: string, failures: LoginFailures): Promise<void> {
    await manager.getRepository(LoginFailureRecord).upsert({ email, ...failures }, ['email']);
  }

  async clear(manager: EntityManager, email: string): Promise<void> {
    await manager.getRepository(LoginFailureRecord).delete({ email });
  }
}
