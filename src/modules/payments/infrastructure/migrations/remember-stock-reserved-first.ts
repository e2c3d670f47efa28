import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An order's StockReserved may reach payments before its OrderPlaced: the intent row then
 * records it, and the payment starts when OrderPlaced lands instead of the event retrying.
 */
export class RememberStockReservedFirst1767400000000 implements MigrationInterface {
  name = 'RememberStockReservedFirst1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE order_intents ADD COLUMN stock_reserved boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE order_intents DROP COLUMN stock_reserved`);
  }
}
