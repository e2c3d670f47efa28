import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the event reconciler of a subscribing module keeps in that module's schema: per
 * publisher, the outbox position up to which every event it subscribes to is known to be in
 * its inbox (or re-published); and the events it re-published, until its inbox has them.
 */
export class DeliveryLedger1765000000000 implements MigrationInterface {
  name = 'DeliveryLedger1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE delivery_watermarks (
        publisher text PRIMARY KEY,
        position bigint NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE redeliveries (
        event_id uuid PRIMARY KEY,
        publisher text NOT NULL,
        position bigint NOT NULL,
        attempts integer NOT NULL,
        next_check_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX redeliveries_due ON redeliveries (publisher, next_check_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE redeliveries, delivery_watermarks`);
  }
}
