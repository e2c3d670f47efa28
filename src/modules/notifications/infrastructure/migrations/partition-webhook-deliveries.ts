import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPartitionsForRows, migrationSchema } from '#libs/database';

const COLUMNS = `id, endpoint_id, event_id, event_type, sequence_key, occurred_at, position, body, status, attempts,
  dispatch, last_status_code, last_error, next_attempt_at, delivered_at, created_at, updated_at`;

/**
 * Webhook deliveries in daily partitions by `occurred_at`, the event's own time, days past
 * WEBHOOK_DELIVERY_RETENTION_DAYS dropped whole (docs/decisions/0037-time-partitioned-tables.md).
 * A redelivered event carries its time, so the copy meets the first delivery in the same
 * partition and `(endpoint_id, event_id, occurred_at)` keeps "one delivery per endpoint and event".
 * An event older than the oldest partition lands in `webhook_deliveries_default`. `position`
 * takes its values from a sequence continuing the old identity (none on a partitioned table in 15).
 */
export class PartitionWebhookDeliveries1767300000000 implements MigrationInterface {
  name = 'PartitionWebhookDeliveries1767300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_unpartitioned`);
    await queryRunner.query(
      `ALTER TABLE webhook_deliveries_unpartitioned DROP CONSTRAINT webhook_deliveries_pkey, DROP CONSTRAINT webhook_deliveries_once_per_event`,
    );
    await queryRunner.query(`DROP INDEX webhook_deliveries_log, webhook_deliveries_unfinished, webhook_deliveries_due`);
    await queryRunner.query(`CREATE SEQUENCE webhook_deliveries_position_seq_partitioned`);
    await queryRunner.query(
      `SELECT setval('webhook_deliveries_position_seq_partitioned', coalesce((SELECT max(position) FROM webhook_deliveries_unpartitioned), 0) + 1, false)`,
    );
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id uuid NOT NULL,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        sequence_key uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        position bigint NOT NULL DEFAULT nextval('webhook_deliveries_position_seq_partitioned'),
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        dispatch integer NOT NULL DEFAULT 1,
        last_status_code integer,
        last_error text,
        next_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (id, occurred_at),
        CONSTRAINT webhook_deliveries_once_per_event UNIQUE (endpoint_id, event_id, occurred_at)
      ) PARTITION BY RANGE (occurred_at)`);
    await queryRunner.query(
      `ALTER SEQUENCE webhook_deliveries_position_seq_partitioned OWNED BY webhook_deliveries.position`,
    );
    await queryRunner.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, position DESC)`);
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_unfinished ON webhook_deliveries (endpoint_id, sequence_key) WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending' AND next_attempt_at IS NOT NULL`,
    );
    await queryRunner.query(`CREATE TABLE webhook_deliveries_default PARTITION OF webhook_deliveries DEFAULT`);
    await createPartitionsForRows(
      queryRunner,
      schema,
      'webhook_deliveries',
      'webhook_deliveries_unpartitioned',
      'occurred_at',
    );
    await queryRunner.query(
      `INSERT INTO webhook_deliveries (${COLUMNS}) SELECT ${COLUMNS} FROM webhook_deliveries_unpartitioned`,
    );
    await queryRunner.query(`DROP TABLE webhook_deliveries_unpartitioned`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_partitioned`);
    await queryRunner.query(
      `ALTER TABLE webhook_deliveries_partitioned DROP CONSTRAINT webhook_deliveries_pkey, DROP CONSTRAINT webhook_deliveries_once_per_event`,
    );
    await queryRunner.query(`DROP INDEX webhook_deliveries_log, webhook_deliveries_unfinished, webhook_deliveries_due`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        sequence_key uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        position bigint GENERATED ALWAYS AS IDENTITY,
        body text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        dispatch integer NOT NULL DEFAULT 1,
        last_status_code integer,
        last_error text,
        next_attempt_at timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_once_per_event UNIQUE (endpoint_id, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, position DESC)`);
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_unfinished ON webhook_deliveries (endpoint_id, sequence_key) WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending' AND next_attempt_at IS NOT NULL`,
    );
    await queryRunner.query(
      `INSERT INTO webhook_deliveries (${COLUMNS}) OVERRIDING SYSTEM VALUE
       SELECT DISTINCT ON (endpoint_id, event_id) ${COLUMNS} FROM webhook_deliveries_partitioned ORDER BY endpoint_id, event_id, position`,
    );
    await queryRunner.query(
      `SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'position'), coalesce((SELECT max(position) FROM webhook_deliveries), 0) + 1, false)`,
    );
    await queryRunner.query(`DROP TABLE webhook_deliveries_partitioned`);
  }
}
