import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { IdentitySettings } from '../../identity.settings';
import { UserRegistered } from '#libs/contracts';
import { Outbox } from '#libs/messaging';
import { EmailAddress } from '../../domain/email-address';
import { IdentityError } from '../../domain/identity-errors';
import { assertAcceptablePassword } from '../../domain/password-policy';
import { initialRoles } from '../../domain/user-roles';
import { PasswordHasher } from '../ports/password-hasher';
import { UserStore } from '../ports/user-store';

export interface RegisteredUser {
  readonly id: string;
  readonly email: string;
}

export class RegisterUser extends Command<RegisteredUser> {
  constructor(
    readonly email: string,
    readonly password: string,
  ) {
    super();
  }
}

@CommandHandler(RegisterUser)
export class RegisterUserHandler implements ICommandHandler<RegisterUser> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly hasher: PasswordHasher,
    private readonly users: UserStore,
    @Inject(SETTINGS) private readonly settings: IdentitySettings,
  ) {}

  async execute(command: RegisterUser): Promise<RegisteredUser> {
    const email = EmailAddress.parse(command.email).value;
    assertAcceptablePassword(command.password, email);
    const passwordHash = await this.hasher.hash(command.password);
    const user = { id: randomUUID(), email, passwordHash, roles: initialRoles(email, this.settings.adminEmails) };
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.users.insert(manager, user))) {
        throw new IdentityError('email-taken', 'an account with this email already exists');
      }
      await this.outbox.publish(
        manager,
        UserRegistered,
        { userId: user.id, email, roles: user.roles },
        { aggregateId: user.id, aggregateVersion: 1 },
      );
    });
    return { id: user.id, email };
  }
}
