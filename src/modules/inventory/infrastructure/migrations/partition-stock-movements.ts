import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionsForRows, migrationSchema } from '#libs/database';

/**
 * Stock movements in daily partitions by `at`, days past STOCK_MOVEMENT_RETENTION_DAYS dropped
 * whole (docs/decisions/0037-time-partitioned-tables.md). PostgreSQL 15 has no identity column on
 * a partitioned table: `id` takes its values from a sequence continuing the old identity, so ids
 * stay unique and increasing (the pages' keyset). The key is `(id, at)`.
 */
export class PartitionStockMovements1767200000000 implements MigrationInterface {
  name = 'PartitionStockMovements1767200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE stock_movements RENAME TO stock_movements_unpartitioned`);
    await queryRunner.query(
      `ALTER TABLE stock_movements_unpartitioned RENAME CONSTRAINT stock_movements_pkey TO stock_movements_unpartitioned_pkey`,
    );
    await queryRunner.query(`DROP INDEX stock_movements_by_sku`);
    await queryRunner.query(`CREATE SEQUENCE stock_movements_id_seq_partitioned`);
    await queryRunner.query(
      `SELECT setval('stock_movements_id_seq_partitioned', coalesce((SELECT max(id) FROM stock_movements_unpartitioned), 0) + 1, false)`,
    );
    await queryRunner.query(`
      CREATE TABLE stock_movements (
        id bigint NOT NULL DEFAULT nextval('stock_movements_id_seq_partitioned'),
        sku text NOT NULL REFERENCES stock (sku),
        kind text NOT NULL CHECK (kind IN ('set', 'adjustment', 'commit')),
        delta integer NOT NULL,
        on_hand_after integer NOT NULL,
        reason text,
        actor uuid,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (id, at)
      ) PARTITION BY RANGE (at)`);
    await queryRunner.query(`ALTER SEQUENCE stock_movements_id_seq_partitioned OWNED BY stock_movements.id`);
    // The audit trail of one SKU, newest first (keyset pagination on id), in every partition.
    await queryRunner.query(`CREATE INDEX stock_movements_by_sku ON stock_movements (sku, id DESC)`);
    await createPartitionsForRows(queryRunner, schema, 'stock_movements', 'stock_movements_unpartitioned', 'at');
    await queryRunner.query(`INSERT INTO stock_movements SELECT * FROM stock_movements_unpartitioned`);
    await queryRunner.query(`DROP TABLE stock_movements_unpartitioned`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE stock_movements RENAME TO stock_movements_partitioned`);
    await queryRunner.query(
      `ALTER TABLE stock_movements_partitioned RENAME CONSTRAINT stock_movements_pkey TO stock_movements_partitioned_pkey`,
    );
    await queryRunner.query(`DROP INDEX stock_movements_by_sku`);
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
    await queryRunner.query(`CREATE INDEX stock_movements_by_sku ON stock_movements (sku, id DESC)`);
    await queryRunner.query(
      `INSERT INTO stock_movements OVERRIDING SYSTEM VALUE SELECT * FROM stock_movements_partitioned ORDER BY id`,
    );
    await queryRunner.query(
      `SELECT setval(pg_get_serial_sequence('stock_movements', 'id'), coalesce((SELECT max(id) FROM stock_movements), 0) + 1, false)`,
    );
    await queryRunner.query(`DROP TABLE stock_movements_partitioned`);
  }
}
