import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIdempotencyKeysTable, dropIdempotencyKeysTable } from '#libs/http';

export class CreateOrderingTables1764600000000 implements MigrationInterface {
  name = 'CreateOrderingTables1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE products (
        product_id uuid PRIMARY KEY,
        sku text NOT NULL,
        name text,
        price_amount bigint CHECK (price_amount >= 0),
        currency char(3),
        status text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
        version int NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status = 'archived' OR (name IS NOT NULL AND price_amount IS NOT NULL AND currency IS NOT NULL))
      )`);
    await queryRunner.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'stock_reserved', 'paid', 'confirmed', 'cancelled')),
        cancel_reason text
          CHECK (cancel_reason IN ('out_of_stock', 'payment_failed', 'reservation_expired', 'customer_cancelled')),
        lines jsonb NOT NULL,
        total_amount bigint NOT NULL CHECK (total_amount >= 0),
        currency char(3) NOT NULL,
        payment_method text NOT NULL,
        version int NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
      )`);
    // A customer's orders, newest first, in keyset pages.
    await queryRunner.query(`CREATE INDEX orders_customer_newest ON orders (customer_id, created_at DESC, id DESC)`);
    await createIdempotencyKeysTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropIdempotencyKeysTable(queryRunner);
    await queryRunner.query(`DROP TABLE orders, products`);
  }
}
