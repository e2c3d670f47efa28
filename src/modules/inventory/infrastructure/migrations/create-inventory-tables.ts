import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInventoryTables1764500000000 implements MigrationInterface {
  name = 'CreateInventoryTables1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The two CHECKs are the last line of the oversell guarantee: no statement, however
    // wrong, can commit more reserved units than are on hand, or a negative reservation.
    await queryRunner.query(`
      CREATE TABLE stock (
        sku text PRIMARY KEY,
        on_hand integer NOT NULL,
        reserved integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stock_reserved_not_negative CHECK (reserved >= 0),
        CONSTRAINT stock_on_hand_covers_reserved CHECK (on_hand >= reserved)
      )`);
    await queryRunner.query(`
      CREATE TABLE stock_movements (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sku text NOT NULL REFERENCES stock (sku),
        kind text NOT NULL CHECK (kind IN ('set', 'adjustment', 'commit')),
        delta integer NOT NULL,
        on_hand_after integer NOT NULL,
        reason text,
        actor uuid,
        at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // The audit trail of one SKU, newest first (keyset pagination on id).
    await queryRunner.query(`CREATE INDEX stock_movements_by_sku ON stock_movements (sku, id DESC)`);
    await queryRunner.query(`
      CREATE TABLE reservations (
        order_id uuid PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('reserved', 'committed', 'released', 'refused', 'cancelled_before_placed')),
        lines jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Held reservations by deadline: what the sweeper reads, oldest first.
    await queryRunner.query(`CREATE INDEX reservations_held ON reservations (expires_at) WHERE status = 'reserved'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE reservations, stock_movements, stock`);
  }
}
