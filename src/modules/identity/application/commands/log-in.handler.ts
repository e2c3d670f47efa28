import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { IdentitySettings } from '../../identity.settings';
import { IdentityError } from '../../domain/identity-errors';
import { gateLogin, recordFailure, type LoginThrottlePolicy } from '../../domain/login-throttle';
import { LoginFailureRecord } from '../../infrastructure/login-failure.record';
import { PasswordHasher } from '../../infrastructure/password-hasher';
import { SessionIssuer, type Session } from '../../infrastructure/session-issuer';
import { UserRecord } from '../../infrastructure/user.record';

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
    const failures = (await this.dataSource.getRepository(LoginFailureRecord).findOneBy({ email })) ?? undefined;
    const gate = gateLogin(failures, this.policy, new Date());
    if (!gate.allowed) throw new IdentityError('invalid-credentials', INVALID);
    if (gate.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, gate.delayMs));
    const user = await this.dataSource.getRepository(UserRecord).findOneBy({ email });
    if (!(await this.hasher.verify(user?.passwordHash, command.password)) || !user) {
      await this.recordFailure(email);
      throw new IdentityError('invalid-credentials', INVALID);
    }
    return this.dataSource.transaction(async (manager) => {
      if (failures) await manager.getRepository(LoginFailureRecord).delete({ email });
      return this.sessions.issue(manager, user);
    });
  }

  private async recordFailure(email: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(LoginFailureRecord);
      // Row lock: concurrent failures for one email must all count.
      const current = await repository.findOne({ where: { email }, lock: { mode: 'pessimistic_write' } });
      const next = recordFailure(current ?? undefined, this.policy, new Date());
      await repository.upsert({ email, count: next.count, lockedUntil: next.lockedUntil }, ['email']);
    });
  }
}
