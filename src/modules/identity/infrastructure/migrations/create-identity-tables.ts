import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIdentityTables1764300000000 implements MigrationInterface {
  name = 'CreateIdentityTables1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        roles text[] NOT NULL,
        version int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX users_created ON users (created_at, id)`);
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('active', 'rotated', 'revoked')),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)`);
    await queryRunner.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        private_key_pem text NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        retired_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE login_failures (
        email text PRIMARY KEY,
        count int NOT NULL,
        locked_until timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE login_failures, signing_keys, refresh_tokens, users`);
  }
}
