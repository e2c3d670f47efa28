import { IdentityError } from './identity-errors';
import { ADMIN, withoutRole, withRole } from './user-roles';

/** An account as the admin rules see it: its roles as stored now. */
export interface Account {
  readonly id: string;
  readonly roles: readonly string[];
}

/**
 * Admin writes are authorised by the caller's stored roles, not by its access token's: a token
 * keeps the roles it was issued with until it expires, so a demoted admin still holds one.
 */
export function assertStillAdmin(caller: Account | undefined): void {
  if (!caller?.roles.includes(ADMIN)) {
    throw new IdentityError('forbidden', 'this change needs the admin role, which the caller no longer has');
  }
}

/**
 * The target's roles once admin is granted or revoked. `admins` are every account holding the
 * role now: the last of them keeps it, since no one would be left to grant it again.
 */
export function rolesAfterAdminChange(target: Account, grant: boolean, admins: readonly Account[]): string[] {
  if (grant) return withRole(target.roles, ADMIN);
  const roles = withoutRole(target.roles, ADMIN);
  if (roles.length !== target.roles.length && admins.every((admin) => admin.id === target.id)) {
    throw new IdentityError(
      'last-admin',
      'the last admin cannot lose the admin role: grant it to another account first',
    );
  }
  return roles;
}
