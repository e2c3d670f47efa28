import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { CustomerDirectory } from '../application/ports/customer-directory';
import { query } from './sql-query';

/** In the inbox's transaction; the addresses of order emails are read on its hot path, so prepared. */
@Injectable()
export class PostgresCustomerDirectory implements CustomerDirectory {
  async upsert(manager: EntityManager, customer: { userId: string; email: string; isAdmin: boolean }): Promise<void> {
    await query(
      manager,
      `INSERT INTO notifications.customers (user_id, email, is_admin) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, is_admin = EXCLUDED.is_admin, updated_at = now()`,
      [customer.userId, customer.email, customer.isAdmin],
    );
  }

  async setAdmin(manager: EntityManager, userId: string, isAdmin: boolean): Promise<void> {
    await query(manager, `UPDATE notifications.customers SET is_admin = $2, updated_at = now() WHERE user_id = $1`, [
      userId,
      isAdmin,
    ]);
  }

  async emailsOf(manager: EntityManager, userIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await queryPrepared<{ user_id: string; email: string }>(
      manager,
      `SELECT user_id, email FROM notifications.customers WHERE user_id = ANY($1::uuid[])`,
      [[...new Set(userIds)]],
    );
    return new Map(rows.map((row) => [row.user_id, row.email]));
  }
}
