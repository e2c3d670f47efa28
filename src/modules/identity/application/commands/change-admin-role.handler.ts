import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { UserRoleChanged } from '#libs/contracts';
import { Outbox } from '#libs/messaging';
import { IdentityError } from '../../domain/identity-errors';
import { ADMIN, withoutRole, withRole } from '../../domain/user-roles';
import { UserStore } from '../ports/user-store';
import type { UserView } from '../queries/get-user.handler';

export class ChangeAdminRole extends Command<UserView> {
  constructor(
    readonly userId: string,
    readonly grant: boolean,
  ) {
    super();
  }
}

/** Grants or revokes `admin`; takes effect in the user's next access token (at the latest on refresh). */
@CommandHandler(ChangeAdminRole)
export class ChangeAdminRoleHandler implements ICommandHandler<ChangeAdminRole> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly users: UserStore,
  ) {}

  async execute(command: ChangeAdminRole): Promise<UserView> {
    return this.dataSource.transaction(async (manager) => {
      const user = await this.users.lock(manager, command.userId);
      if (!user) throw new IdentityError('user-not-found', `user ${command.userId} does not exist`);
      const roles = command.grant ? withRole(user.roles, ADMIN) : withoutRole(user.roles, ADMIN);
      if (roles.length === user.roles.length) return { id: user.id, email: user.email, roles: user.roles };
      const version = await this.users.changeRoles(manager, user, roles);
      await this.outbox.publish(
        manager,
        UserRoleChanged,
        { userId: user.id, roles },
        { aggregateId: user.id, aggregateVersion: version },
      );
      return { id: user.id, email: user.email, roles };
    });
  }
}
