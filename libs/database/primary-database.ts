import { Pool } from 'pg';
import { GroupedRuns, preparedStatementName, WAL_POSITION_SQL } from '#libs/sql';

interface LsnWaiter {
  resolve(lsn: string): void;
  reject(error: unknown): void;
}

/**
 * A two-connection pool on the primary, for the checks that are not a module's business:
 * readiness probes and the queue backend's health when queues live in PostgreSQL.
 */
export class PrimaryDatabase {
  readonly pool: Pool;
  /** One read of the position in flight; whoever asks meanwhile shares the next one. */
  private readonly lsnReads = new GroupedRuns<LsnWaiter>(
    'wal_position',
    1,
    (waiting) => waiting.splice(0),
    (waiters) => this.readLsnFor(waiters),
  );

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
    return new Promise((resolve, reject) => this.lsnReads.add({ resolve, reject }));
  }

  private async readLsnFor(waiters: readonly LsnWaiter[]): Promise<void> {
    try {
      const lsn = await this.readLsn();
      for (const waiter of waiters) waiter.resolve(lsn);
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  private async readLsn(): Promise<string> {
    // Prepared, so it is only executed.
    const result = await this.pool.query<{ position: string }>({
      name: preparedStatementName(WAL_POSITION_SQL),
      text: WAL_POSITION_SQL,
    });
    return result.rows[0]!.position;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
