import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the sweeper reads every SWEEP_INTERVAL_MS: only the few rows that wait for a job. */
export class IndexPaymentsAwaitingJobs1765300000000 implements MigrationInterface {
  name = 'IndexPaymentsAwaitingJobs1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX payments_awaiting_job ON payments (updated_at) WHERE status IN ('processing', 'refund_pending')`,
    );
    await queryRunner.query(
      `CREATE INDEX provider_events_unapplied ON provider_events (received_at) WHERE processed_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX provider_events_unapplied, payments_awaiting_job`);
  }
}
