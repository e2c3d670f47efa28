export const ADMIN = 'admin';
export const CUSTOMER = 'customer';

/** Roles a new account starts with: everyone is a customer; listed emails are also admins. */
export function initialRoles(email: string, adminEmails: readonly string[]): string[] {
  return adminEmails.includes(email) ? [CUSTOMER, ADMIN] : [CUSTOMER];
}

export function withRole(roles: readonly string[], role: string): string[] {
  return roles.includes(role) ? [...roles] : [...roles, role];
}

export function withoutRole(roles: readonly string[], role: string): string[] {
  return roles.filter((r) => r !== role);
}
