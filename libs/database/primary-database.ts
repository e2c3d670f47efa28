import { Pool } from 'pg';

/**
 * A two-connection pool on the primary, for the checks that are not a module's business:
 * readiness probes and the queue backend's health when queues live in PostgreSQL.
 */
export class PrimaryDatabase {
  readonly pool: Pool;

  constructor(readonly url: string) {
    this.pool = new Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 10_000,
      application_name: 'tessera:health',
    });
    // An idle client dropped by a database restart must not crash the process.
    this.pool.on('error', () => undefined);
  }

  async ping(timeoutMs: number): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query({ text: `SET statement_timeout = ${Math.trunc(timeoutMs)}; SELECT 1` });
    } finally {
      client.release();
    }
  }

  /** The primary's current WAL position: what a consistency token carries. */
  async currentLsn(): Promise<string> {
    const result = await this.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return result.rows[0]!.lsn;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
