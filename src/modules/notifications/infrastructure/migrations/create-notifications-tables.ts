import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotificationsTables1764700000000 implements MigrationInterface {
  name = 'CreateNotificationsTables1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // identity's accounts as notifications needs them: where to email, who sees every event.
    await queryRunner.query(`
      CREATE TABLE customers (
        user_id uuid PRIMARY KEY,
        email text NOT NULL,
        is_admin boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        owner_id uuid NOT NULL,
        url text NOT NULL,
        event_types text[] NOT NULL,
        secret text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        consecutive_failures integer NOT NULL DEFAULT 0,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // An owner's endpoints, newest first (keyset pagination on created_at, id).
    await queryRunner.query(
      `CREATE INDEX webhook_endpoints_by_owner ON webhook_endpoints (owner_id, created_at DESC, id DESC)`,
    );
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
    // The delivery log of an endpoint, newest first (keyset pagination on position).
    await queryRunner.query(`CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, position DESC)`);
    // The unfinished deliveries of one (endpoint, order) sequence: what the ordering rule reads.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_unfinished ON webhook_deliveries (endpoint_id, sequence_key) WHERE status = 'pending'`,
    );
    // Due deliveries whose job may have been lost: what the sweeper reads.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending' AND next_attempt_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries, webhook_endpoints, customers`);
  }
}
