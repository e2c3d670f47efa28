import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';

/** Records or refreshes an account's copy; a later event of the same account wins. */
export async function upsertCustomer(
  manager: EntityManager,
  customer: { userId: string; email: string; isAdmin: boolean },
): Promise<void> {
  await manager.query(
    `INSERT INTO notifications.customers (user_id, email, is_admin) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, is_admin = EXCLUDED.is_admin, updated_at = now()`,
    [customer.userId, customer.email, customer.isAdmin],
  );
}

export async function setCustomerAdmin(manager: EntityManager, userId: string, isAdmin: boolean): Promise<void> {
  await manager.query(`UPDATE notifications.customers SET is_admin = $2, updated_at = now() WHERE user_id = $1`, [
    userId,
    isAdmin,
  ]);
}

/** The known email addresses of these accounts, by account id (an account never announced is absent). */
export async function emailsOf(manager: EntityManager, userIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await queryPrepared<{ user_id: string; email: string }>(
    manager,
    `SELECT user_id, email FROM notifications.customers WHERE user_id = ANY($1::uuid[])`,
    [[...new Set(userIds)]],
  );
  return new Map(rows.map((row) => [row.user_id, row.email]));
}
