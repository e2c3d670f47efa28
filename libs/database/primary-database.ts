import { Pool } from 'pg';
import { preparedStatementName } from '#libs/sql';

const CURRENT_LSN_SQL = 'SELECT pg_current_wal_lsn()::text AS lsn';

/**
 * A two-connection pool on the primary, for the checks that are not a module's business:
 * readiness probes and the queue backend's health when queues live in PostgreSQL.
 */
export class PrimaryDatabase {
  readonly pool: Pool;
  /** Callers of `currentLsn` waiting for the next read of the position. */
  private lsnWaiters: { resolve(lsn: string): void; reject(error: unknown): void }[] = [];
  private readingLsn = false;

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

  /**
   * The primary's current WAL position, read after this call began (so it includes every
   * commit the caller made before): what a consistency token carries. Asked after every write
   * a client may read back, so concurrent callers share reads: each read answers everyone who
   * asked before it started; whoever asks while it runs waits for the next one.
   */
  currentLsn(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.lsnWaiters.push({ resolve, reject });
      if (!this.readingLsn) void this.readLsnForWaiters();
    });
  }

  private async readLsnForWaiters(): Promise<void> {
    this.readingLsn = true;
    while (this.lsnWaiters.length > 0) {
      const waiters = this.lsnWaiters.splice(0);
      try {
        const lsn = await this.readLsn();
        for (const waiter of waiters) waiter.resolve(lsn);
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.readingLsn = false;
  }

  private async readLsn(): Promise<string> {
    // Prepared, so it is only executed.
    const result = await this.pool.query<{ lsn: string }>({
      name: preparedStatementName(CURRENT_LSN_SQL),
      text: CURRENT_LSN_SQL,
    });
    return result.rows[0]!.lsn;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
