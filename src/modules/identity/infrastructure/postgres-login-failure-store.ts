import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LoginFailureStore } from '../application/ports/login-failure-store';
import type { LoginFailures } from '../domain/login-throttle';
import { LoginFailureRecord } from './login-failure.record';

@Injectable()
export class PostgresLoginFailureStore implements LoginFailureStore {
  async lock(manager: EntityManager, email: string): Promise<LoginFailures> {
    // The no-op update locks an existing row; a missing one is inserted (and locked) instead.
    const [row] = (await manager.query(
      `INSERT INTO identity.login_failures AS f (email, count, locked_until) VALUES ($1, 0, NULL)
       ON CONFLICT (email) DO UPDATE SET count = f.count
       RETURNING count, locked_until AS "lockedUntil"`,
      [email],
    )) as LoginFailures[];
    return row!;
  }

  async save(manager: EntityManager, email: string, failures: LoginFailures): Promise<void> {
    await manager.getRepository(LoginFailureRecord).upsert({ email, ...failures }, ['email']);
  }

  async clear(manager: EntityManager, email: string): Promise<void> {
    await manager.getRepository(LoginFailureRecord).delete({ email });
  }
}
