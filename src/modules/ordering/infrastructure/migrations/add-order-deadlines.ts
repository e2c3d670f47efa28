import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders past ORDER_DEADLINE_SECONDS: a cancellation reason for them (`timed_out`), and an
 * index of the orders not settled yet by age, which is what the deadline sweeper reads every
 * SWEEP_INTERVAL_MS (settled orders, nearly all of them, are not in it).
 */
export class AddOrderDeadlines1765200000000 implements MigrationInterface {
  name = 'AddOrderDeadlines1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders DROP CONSTRAINT orders_cancel_reason_check`);
    await queryRunner.query(`
      ALTER TABLE orders ADD CONSTRAINT orders_cancel_reason_check
        CHECK (cancel_reason IN ('out_of_stock', 'payment_failed', 'reservation_expired', 'customer_cancelled', 'timed_out'))`);
    await queryRunner.query(
      `CREATE INDEX orders_unsettled_by_age ON orders (created_at) WHERE status IN ('pending', 'stock_reserved', 'paid')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX orders_unsettled_by_age`);
    await queryRunner.query(`ALTER TABLE orders DROP CONSTRAINT orders_cancel_reason_check`);
    await queryRunner.query(`
      ALTER TABLE orders ADD CONSTRAINT orders_cancel_reason_check
        CHECK (cancel_reason IN ('out_of_stock', 'payment_failed', 'reservation_expired', 'customer_cancelled'))`);
  }
}
