import type { EntityManager } from 'typeorm';

/** Records or refreshes an account's copy; a later event of the same account wins. */
export async function upsertCustomer(
  manager: EntityManager,
  customer: { userId: string; email: string; isAdmin: boolean },
): Promise<void> {
  await manager.query(
    `INSERT INTO customers (user_id, email, is_admin) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, is_admin = EXCLUDED.is_admin, updated_at = now()`,
    [customer.userId, customer.email, customer.isAdmin],
  );
}

export async function setCustomerAdmin(manager: EntityManager, userId: string, isAdmin: boolean): Promise<void> {
  await manager.query(`UPDATE customers SET is_admin = $2, updated_at = now() WHERE user_id = $1`, [userId, isAdmin]);
}

export async function emailOf(manager: EntityManager, userId: string): Promise<string | undefined> {
  const rows = (await manager.query(`SELECT email FROM customers WHERE user_id = $1`, [userId])) as { email: string }[];
  return rows[0]?.email;
}
