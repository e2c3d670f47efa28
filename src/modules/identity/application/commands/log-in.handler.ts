import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { IdentitySettings } from '../../identity.settings';
import { IdentityError } from '../../domain/identity-errors';
import { claimLoginAttempt, type LoginClaim, type LoginThrottlePolicy } from '../../domain/login-throttle';
import { LoginFailureStore } from '../ports/login-failure-store';
import { PasswordHasher } from '../ports/password-hasher';
import { UserStore } from '../ports/user-store';
import { SessionIssuer, type Session } from '../session-issuer';

export class LogIn extends Command<Session> {
  constructor(
    readonly email: string,
    readonly password: string,
  ) {
    super();
  }
}

const INVALID = 'the email or password is wrong, or the account is locked for a while after too many failures';

/**
 * Unknown email, wrong password and locked account get the same answer in the same time: an
 * unknown email and a locked account are checked against a decoy hash, as long as a wrong
 * password takes. The attempt is counted before the check (`claimLoginAttempt`).
 */
@CommandHandler(LogIn)
export class LogInHandler implements ICommandHandler<LogIn> {
  private readonly policy: LoginThrottlePolicy;

  constructor(
    private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionIssuer,
    private readonly users: UserStore,
    private readonly failures: LoginFailureStore,
    @Inject(SETTINGS) settings: IdentitySettings,
  ) {
    this.policy = {
      slowdownAfter: settings.loginSlowdownAfter,
      lockAfter: settings.loginLockAfter,
      lockMinutes: settings.loginLockMinutes,
    };
  }

  async execute(command: LogIn): Promise<Session> {
    const email = command.email.trim().toLowerCase();
    const claim = await this.claimAttempt(email);
    if (claim.allowed && claim.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, claim.delayMs));
    const user = await this.users.findByEmail(email);
    const passwordHash = claim.allowed ? user?.passwordHash : undefined;
    if (!(await this.hasher.verify(passwordHash, command.password)) || !user) {
      throw new IdentityError('invalid-credentials', INVALID);
    }
    return this.dataSource.transaction(async (manager) => {
      await this.failures.clear(manager, email);
      return this.sessions.issue(manager, user);
    });
  }

  /** A short transaction of its own: the row lock is not held while the password is checked. */
  private claimAttempt(email: string): Promise<LoginClaim> {
    return this.dataSource.transaction(async (manager) => {
      const claim = claimLoginAttempt(await this.failures.lock(manager, email), this.policy, new Date());
      if (claim.allowed) await this.failures.save(manager, email, claim.claimed);
      return claim;
    });
  }
}
