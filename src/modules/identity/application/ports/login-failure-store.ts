import type { EntityManager } from 'typeorm';
import type { LoginFailures } from '../../domain/login-throttle';

/** Failed logins per email, known account or not. Every method runs in the caller's transaction. */
export abstract class LoginFailureStore {
  /**
   * Locked until the caller's transaction ends, and created (no failures) when missing, so that
   * concurrent attempts at one email, the first ones too, each see those before them.
   */
  abstract lock(manager: EntityManager, email: string): Promise<LoginFailures>;
  abstract save(manager: EntityManager, email: string, failures: LoginFailures): Promise<void>;
  abstract clear(manager: EntityManager, email: string): Promise<void>;
}
