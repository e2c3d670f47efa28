import type { QueryRunner } from 'typeorm';
import { createPartitionsForRows, migrationSchema } from '#libs/database';

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

/**
 * Turns the table of `createIdempotencyKeysTable` into one range-partitioned by `created_at` in
 * UTC days, retention dropping partitions (docs/decisions/0037-time-partitioned-tables.md). Nothing
 * a retry carries tells when its key was first used, so no unique index can span the partitions:
 * a key's uniqueness for its lifetime is kept by `idempotency_key_free`, which claims under the
 * key's advisory lock and looks, with a fresh snapshot, through the partitions still within the TTL.
 */
export async function partitionIdempotencyKeysTable(queryRunner: QueryRunner): Promise<void> {
  const schema = migrationSchema(queryRunner);
  await queryRunner.query(`ALTER TABLE idempotency_keys RENAME TO idempotency_keys_unpartitioned`);
  await queryRunner.query(
    `ALTER TABLE idempotency_keys_unpartitioned RENAME CONSTRAINT idempotency_keys_pkey TO idempotency_keys_unpartitioned_pkey`,
  );
  await queryRunner.query(`DROP INDEX idempotency_keys_expiry`);
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
      PRIMARY KEY (scope, key, created_at),
      CHECK ((state = 'completed') = (response_status IS NOT NULL AND response_body IS NOT NULL))
    ) PARTITION BY RANGE (created_at)`);
  await createPartitionsForRows(
    queryRunner,
    schema,
    'idempotency_keys',
    'idempotency_keys_unpartitioned',
    'created_at',
  );
  await queryRunner.query(`INSERT INTO idempotency_keys SELECT * FROM idempotency_keys_unpartitioned`);
  await queryRunner.query(`DROP TABLE idempotency_keys_unpartitioned`);
  // VOLATILE: each statement inside takes a fresh snapshot, so once it holds the lock it sees a
  // claim that committed after the calling statement began (which the caller's snapshot would not).
  await queryRunner.query(`
    CREATE FUNCTION idempotency_key_free(p_scope text, p_key text, p_hash text, p_abandoned_after_seconds int, p_ttl_hours int)
      RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      -- A request with this key in the middle of its statement holds the lock until it commits:
      -- answer 409 at once instead of queueing behind it.
      IF NOT pg_try_advisory_xact_lock(hashtextextended('${schema} ' || p_scope || ' ' || p_key, 0)) THEN
        RETURN false;
      END IF;
      -- A claim left by a dead process may be taken over by the same request.
      DELETE FROM ${schema}.idempotency_keys
       WHERE scope = p_scope AND key = p_key AND created_at > now() - make_interval(hours => p_ttl_hours)
         AND state = 'in_progress' AND request_hash = p_hash
         AND created_at <= now() - make_interval(secs => p_abandoned_after_seconds);
      RETURN NOT EXISTS (
        SELECT 1 FROM ${schema}.idempotency_keys
         WHERE scope = p_scope AND key = p_key AND created_at > now() - make_interval(hours => p_ttl_hours)
           AND expires_at > now());
    END $$`);
}

export async function unpartitionIdempotencyKeysTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP FUNCTION idempotency_key_free(text, text, text, int, int)`);
  await queryRunner.query(`ALTER TABLE idempotency_keys RENAME TO idempotency_keys_partitioned`);
  await queryRunner.query(
    `ALTER TABLE idempotency_keys_partitioned RENAME CONSTRAINT idempotency_keys_pkey TO idempotency_keys_partitioned_pkey`,
  );
  await createIdempotencyKeysTable(queryRunner);
  await queryRunner.query(
    `INSERT INTO idempotency_keys SELECT DISTINCT ON (scope, key) * FROM idempotency_keys_partitioned
      ORDER BY scope, key, created_at DESC`,
  );
  await queryRunner.query(`DROP TABLE idempotency_keys_partitioned`);
}
