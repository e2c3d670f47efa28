import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionsForRows, migrationSchema } from '#libs/database';

const OUTBOX_COLUMNS = `position, event_id, event_name, event_version, aggregate_id, aggregate_version, payload,
  correlation_id, causation_id, occurred_at, sent_at, traceparent, tracestate`;

/**
 * The outbox and the inbox, range-partitioned by day so that retention drops partitions
 * (docs/decisions/0037-time-partitioned-tables.md); existing rows are copied over.
 *
 * - `outbox` by `sent_at`: unsent rows (NULL) live in the DEFAULT partition `outbox_pending`, which
 *   is all the relay reads; sending moves a row into its day. No primary key can hold a NULL
 *   partition key: `position` stays unique by its sequence, `event_id` by being a random UUID.
 * - `inbox` by `occurred_at`, the event's own time, which every redelivery carries: the key
 *   `(event_id, occurred_at)` deduplicates within one partition. An event older than the oldest
 *   partition (a dead letter replayed late) lands in `inbox_default`, still deduplicated.
 */
export class PartitionMessagingTables1767000000000 implements MigrationInterface {
  name = 'PartitionMessagingTables1767000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await this.partitionOutbox(queryRunner, schema);
    await this.partitionInbox(queryRunner, schema);
  }

  private async partitionOutbox(queryRunner: QueryRunner, schema: string): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox RENAME TO outbox_unpartitioned`);
    await queryRunner.query(`ALTER SEQUENCE outbox_position_seq OWNED BY NONE`);
    await queryRunner.query(`DROP INDEX outbox_unsent, outbox_sent`);
    await queryRunner.query(`
      CREATE TABLE outbox (
        position bigint NOT NULL DEFAULT nextval('outbox_position_seq'),
        event_id uuid NOT NULL,
        event_name text NOT NULL,
        event_version integer NOT NULL,
        aggregate_id text NOT NULL,
        aggregate_version bigint NOT NULL,
        payload jsonb NOT NULL,
        correlation_id text,
        causation_id text,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz,
        traceparent text,
        tracestate text
      ) PARTITION BY RANGE (sent_at)`);
    // The constraint also tells PostgreSQL that a new day's partition has no rows to take from it.
    await queryRunner.query(`CREATE TABLE outbox_pending PARTITION OF outbox (CHECK (sent_at IS NULL)) DEFAULT`);
    await createPartitionsForRows(queryRunner, schema, 'outbox', 'outbox_unpartitioned', 'sent_at');
    await queryRunner.query(
      `INSERT INTO outbox (${OUTBOX_COLUMNS}) SELECT ${OUTBOX_COLUMNS} FROM outbox_unpartitioned`,
    );
    await queryRunner.query(`DROP TABLE outbox_unpartitioned`);
    await queryRunner.query(`ALTER SEQUENCE outbox_position_seq OWNED BY outbox.position`);
    await queryRunner.query(`CREATE INDEX outbox_position ON outbox (position)`);
  }

  private async partitionInbox(queryRunner: QueryRunner, schema: string): Promise<void> {
    await queryRunner.query(`ALTER TABLE inbox RENAME TO inbox_unpartitioned`);
    await queryRunner.query(`ALTER TABLE inbox_unpartitioned RENAME CONSTRAINT inbox_pkey TO inbox_unpartitioned_pkey`);
    await queryRunner.query(`DROP INDEX inbox_handled_at`);
    await queryRunner.query(`
      CREATE TABLE inbox (
        event_id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        event_name text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (event_id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await queryRunner.query(`CREATE TABLE inbox_default PARTITION OF inbox DEFAULT`);
    // Rows recorded before the inbox knew the event's time: when it was handled, the nearest known.
    await createPartitionsForRows(queryRunner, schema, 'inbox', 'inbox_unpartitioned', 'handled_at');
    await queryRunner.query(
      `INSERT INTO inbox (event_id, occurred_at, event_name, handled_at)
       SELECT event_id, handled_at, event_name, handled_at FROM inbox_unpartitioned`,
    );
    await queryRunner.query(`DROP TABLE inbox_unpartitioned`);
    // The reconciler asks by event id alone.
    await queryRunner.query(`CREATE INDEX inbox_event ON inbox (event_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE inbox RENAME TO inbox_partitioned`);
    await queryRunner.query(`ALTER INDEX inbox_event RENAME TO inbox_partitioned_event`);
    await queryRunner.query(`ALTER TABLE inbox_partitioned RENAME CONSTRAINT inbox_pkey TO inbox_partitioned_pkey`);
    await queryRunner.query(`
      CREATE TABLE inbox (
        event_id uuid PRIMARY KEY,
        event_name text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`CREATE INDEX inbox_handled_at ON inbox (handled_at)`);
    await queryRunner.query(
      `INSERT INTO inbox SELECT event_id, event_name, handled_at FROM inbox_partitioned ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(`DROP TABLE inbox_partitioned`);
    await queryRunner.query(`ALTER TABLE outbox RENAME TO outbox_partitioned`);
    await queryRunner.query(`ALTER INDEX outbox_position RENAME TO outbox_partitioned_position`);
    await queryRunner.query(`ALTER SEQUENCE outbox_position_seq OWNED BY NONE`);
    await queryRunner.query(`
      CREATE TABLE outbox (
        position bigint PRIMARY KEY DEFAULT nextval('outbox_position_seq'),
        event_id uuid NOT NULL UNIQUE,
        event_name text NOT NULL,
        event_version integer NOT NULL,
        aggregate_id text NOT NULL,
        aggregate_version bigint NOT NULL,
        payload jsonb NOT NULL,
        correlation_id text,
        causation_id text,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz,
        traceparent text,
        tracestate text
      )`);
    await queryRunner.query(`INSERT INTO outbox (${OUTBOX_COLUMNS}) SELECT ${OUTBOX_COLUMNS} FROM outbox_partitioned`);
    await queryRunner.query(`DROP TABLE outbox_partitioned`);
    await queryRunner.query(`ALTER SEQUENCE outbox_position_seq OWNED BY outbox.position`);
    await queryRunner.query(`CREATE INDEX outbox_unsent ON outbox (position) WHERE sent_at IS NULL`);
    await queryRunner.query(`CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL`);
  }
}
