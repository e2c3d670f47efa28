/** What a process does for the modules it runs. */
export const ROLES = ['api', 'worker', 'relay'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
