import type { MigrationInterface, QueryRunner } from 'typeorm';
import { partitionIdempotencyKeysTable, unpartitionIdempotencyKeysTable } from '#libs/http';

/** Idempotency keys in daily partitions, expired ones dropped whole (docs/decisions/0037-time-partitioned-tables.md). */
export class PartitionIdempotencyKeys1767100000000 implements MigrationInterface {
  name = 'PartitionIdempotencyKeys1767100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await partitionIdempotencyKeysTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await unpartitionIdempotencyKeysTable(queryRunner);
  }
}
