import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { IdentitySettings } from '../../identity.settings';
import { IdentityError } from '../../domain/identity-errors';
import { gateLogin, recordFailure, type LoginThrottlePolicy } from '../../domain/login-throttle';
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
 * Unknown email, wrong password and locked account get the same answer; an unknown email
 * is checked against a decoy hash so it takes as long as a wrong password.
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
    const failures = await this.failures.find(email);
    const gate = gateLogin(failures, this.policy, new Date());
    if (!gate.allowed) throw new IdentityError('invalid-credentials', INVALID);
    if (gate.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, gate.delayMs));
    const user = await this.users.findByEmail(email);
    if (!(await this.hasher.verify(user?.passwordHash, command.password)) || !user) {
      await this.recordFailure(email);
      throw new IdentityError('invalid-credentials', INVALID);
    }
    return this.dataSource.transaction(async (manager) => {
      if (failures) await this.failures.clear(manager, email);
      return this.sessions.issue(manager, user);
    });
  }

  private async recordFailure(email: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const current = await this.failures.lock(manager, email);
      await this.failures.save(manager, email, recordFailure(current, this.policy, new Date()));
    });
  }
}
