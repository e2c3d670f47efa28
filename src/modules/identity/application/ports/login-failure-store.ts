import type { EntityManager } from 'typeorm';
import type { LoginFailures } from '../../domain/login-throttle';

/** Failed logins per email, known account or not. Methods taking a manager run in the caller's transaction. */
export abstract class LoginFailureStore {
  abstract find(email: string): Promise<LoginFailures | undefined>;
  /** Locked until the caller's transaction ends: concurrent failures for one email must all count. */
  abstract lock(manager: EntityManager, email: string): Promise<LoginFailures | undefined>;
  abstract save(manager: EntityManager, email: string, failures: LoginFailures): Promise<void>;
  abstract clear(manager: EntityManager, email: string): Promise<void>;
}
