import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { UserRoleChanged } from '#libs/contracts';
import { Outbox } from '#libs/messaging';
import { assertStillAdmin, rolesAfterAdminChange } from '../../domain/admin-role-change';
import { IdentityError } from '../../domain/identity-errors';
import { ADMIN } from '../../domain/user-roles';
import { UserStore } from '../ports/user-store';
import type { UserView } from '../queries/get-user.handler';

export class ChangeAdminRole extends Command<UserView> {
  constructor(
    /** Who asks: its access token said admin, its stored roles must say so too. */
    readonly callerId: string,
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
      // Every admin is locked too: two admins demoting each other, or themselves, at once are
      // decided one after the other, on the roles the first one left.
      const locked = await this.users.lockWithAdmins(manager, [command.callerId, command.userId]);
      assertStillAdmin(locked.find((u) => u.id === command.callerId));
      const user = locked.find((u) => u.id === command.userId);
      if (!user) throw new IdentityError('user-not-found', `user ${command.userId} does not exist`);
      const admins = locked.filter((u) => u.roles.includes(ADMIN));
      const roles = rolesAfterAdminChange(user, command.grant, admins);
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
