import { ADMIN_ROLE, type AuthUser } from '#libs/auth';
import type { Requester } from '../../domain/requester';

export function requester(user: AuthUser): Requester {
  return { id: user.id, isAdmin: user.roles.includes(ADMIN_ROLE) };
}
