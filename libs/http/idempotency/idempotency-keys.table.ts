import type { QueryRunner } from 'typeorm';

/**
 * The `idempotency_keys` table of `IdempotencyKeys`, for a module's own migration (it lives
 * in the module's schema, beside the effects its responses describe).
 */
export async function createIdempotencyKeysTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE idempotency_keys (
      scope text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
      response_status smallint,
      response_body jsonb,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (scope, key),
      CHECK ((state = 'completed') = (response_status IS NOT NULL AND response_body IS NOT NULL))
    )`);
  await queryRunner.query(`CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)`);
}

export async function dropIdempotencyKeysTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP TABLE idempotency_keys`);
}
