import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context of the transaction that wrote each outbox row, so the relay's publish
 * and the subscribers' handling join its trace (docs/decisions/0032-tracing-through-the-outbox.md).
 * Null when the writer was not tracing. Nullable columns without a default: no table rewrite.
 */
export class OutboxTraceContext1766000000000 implements MigrationInterface {
  name = 'OutboxTraceContext1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox ADD COLUMN traceparent text, ADD COLUMN tracestate text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox DROP COLUMN traceparent, DROP COLUMN tracestate`);
  }
}
