import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePaymentsTables1764700000000 implements MigrationInterface {
  name = 'CreatePaymentsTables1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // What payments needs of an order before its stock is reserved: who pays, how much, how.
    await queryRunner.query(`
      CREATE TABLE order_intents (
        order_id uuid PRIMARY KEY,
        customer_id uuid NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        currency text NOT NULL,
        payment_method text NOT NULL,
        cancelled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One payment per order: the unique order_id is what makes a redelivered StockReserved harmless.
    await queryRunner.query(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL UNIQUE,
        customer_id uuid NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        currency text NOT NULL,
        payment_method text NOT NULL,
        provider text NOT NULL,
        status text NOT NULL CHECK (status IN ('processing', 'requires_action', 'succeeded', 'failed',
                                               'refund_pending', 'refunded', 'cancelled')),
        provider_charge_id text,
        failure_reason text,
        refund_reason text,
        order_cancelled boolean NOT NULL DEFAULT false,
        charge_attempts integer NOT NULL DEFAULT 0,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // Webhooks received, by the provider's event id: a replayed event finds its row and does nothing.
    await queryRunner.query(`
      CREATE TABLE provider_events (
        provider text NOT NULL,
        event_id text NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        PRIMARY KEY (provider, event_id)
      )`);
    // The sandbox provider's own state, as a real provider keeps it on its side.
    await queryRunner.query(`
      CREATE TABLE sandbox_calls (
        idempotency_key text PRIMARY KEY,
        calls integer NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE sandbox_charges (
        id text PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        reference text NOT NULL,
        payment_method text NOT NULL,
        amount bigint NOT NULL,
        currency text NOT NULL,
        status text NOT NULL CHECK (status IN ('succeeded', 'declined', 'requires_action', 'refunded')),
        decline_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX sandbox_charges_by_reference ON sandbox_charges (reference)`);
    await queryRunner.query(`
      CREATE TABLE sandbox_refunds (
        idempotency_key text PRIMARY KEY,
        charge_id text NOT NULL REFERENCES sandbox_charges (id),
        amount bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TABLE sandbox_refunds, sandbox_charges, sandbox_calls, provider_events, payments, order_intents`,
    );
  }
}
