import type { BudgetPool } from './budget-pool';
import { GroupedRuns, preparedStatementName, CURRENT_LSN_SQL } from '#libs/sql';

interface LsnWaiter {
  resolve(lsn: string): void;
  reject(error: unknown): void;
}

/** Readiness, queue health and the LSN, borrowed from the budget: an exhausted pool reports not ready. */
export class PrimaryDatabase {
  /** One read of the LSN in flight; whoever asks meanwhile shares the next one. */
  private readonly lsnReads = new GroupedRuns<LsnWaiter>(
    'wal_position', // the metric label dashboards know
    1,
    (waiting) => waiting.splice(0),
    (waiters) => this.readLsnFor(waiters),
  );

  constructor(
    readonly url: string,
    private readonly pool: BudgetPool,
  ) {}

  async ping(timeoutMs: number): Promise<void> {
    const client = await this.pool.connect();
    try {
      // Local to its transaction: the connection goes back to the modules' pool afterwards.
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}; SELECT 1; COMMIT`);
      client.release();
    } catch (error) {
      // Possibly mid-transaction: never handed to anyone again.
      client.release(true);
      throw error;
    }
  }

  /** The LSN, read after this call began; concurrent callers share a read started after they asked. */
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
    const result = await this.pool.pool.query<{ lsn: string }>({
      name: preparedStatementName(CURRENT_LSN_SQL),
      text: CURRENT_LSN_SQL,
    });
    return result.rows[0]!.lsn;
  }
}
