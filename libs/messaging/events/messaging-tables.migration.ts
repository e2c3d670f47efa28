import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox and inbox every module gets in its own schema. Added to each manifest's
 * migrations by the composition root, first, so module migrations may rely on it.
 */
export class MessagingTables1764000000000 implements MigrationInterface {
  name = 'MessagingTables1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox (
        position bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        event_name text NOT NULL,
        event_version integer NOT NULL,
        aggregate_id text NOT NULL,
        aggregate_version bigint NOT NULL,
        payload jsonb NOT NULL,
        correlation_id text,
        causation_id text,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX outbox_unsent ON outbox (position) WHERE sent_at IS NULL`);
    await queryRunner.query(`CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE inbox (
        event_id uuid PRIMARY KEY,
        event_name text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`CREATE INDEX inbox_handled_at ON inbox (handled_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE inbox`);
    await queryRunner.query(`DROP TABLE outbox`);
  }
}
