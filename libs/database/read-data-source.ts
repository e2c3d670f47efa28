import type { DataSource } from 'typeorm';
import { readsByTarget, type ReplicaSet } from './replica-set';

export interface ReadResult<T> {
  readonly value: T;
  /** The WAL position the data is at least as fresh as. */
  readonly lsn: string;
}

// Errors that say "this server is not there", as opposed to "this query is wrong".
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '40001',
]);

function unreachable(error: unknown): boolean {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } }).driverError?.code ??
    (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && UNREACHABLE.has(code)) ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(String(error))
  );
}

/**
 * Where a module's queries run: a healthy replica that has replayed the caller's consistency
 * token when there is one, else the primary. A replica that fails mid-query is taken out of
 * rotation and the query runs again on the primary, so a dead replica is never an error to
 * the client.
 */
export class ReadDataSource {
  private readonly ready = new Map<number, Promise<DataSource>>();

  constructor(
    private readonly module: string,
    private readonly primary: DataSource,
    private readonly replicas: readonly DataSource[],
    private readonly replicaSet: ReplicaSet | undefined,
  ) {}

  async query<T>(work: (dataSource: DataSource) => Promise<T>, atLeastLsn?: string): Promise<ReadResult<T>> {
    const index = this.replicas.length > 0 ? this.replicaSet?.choose(atLeastLsn) : undefined;
    if (index !== undefined) {
      try {
        const replica = await this.initialized(index);
        const [{ lsn }] = (await replica.query(`SELECT pg_last_wal_replay_lsn()::text AS lsn`)) as [{ lsn: string }];
        const value = await work(replica);
        readsByTarget.inc({ module: this.module, target: 'replica' });
        return { value, lsn };
      } catch (error) {
        if (!unreachable(error)) throw error;
        this.replicaSet?.markFailed(index, error);
        this.ready.delete(index);
      }
    }
    // Position first: whatever the query then reads is at least that fresh.
    const [{ lsn }] = (await this.primary.query(`SELECT pg_current_wal_lsn()::text AS lsn`)) as [{ lsn: string }];
    const value = await work(this.primary);
    readsByTarget.inc({ module: this.module, target: 'primary' });
    return { value, lsn };
  }

  private initialized(index: number): Promise<DataSource> {
    let ready = this.ready.get(index);
    if (!ready) {
      const replica = this.replicas[index]!;
      ready = replica.isInitialized ? Promise.resolve(replica) : replica.initialize();
      ready.catch(() => this.ready.delete(index));
      this.ready.set(index, ready);
    }
    return ready;
  }

  async destroy(): Promise<void> {
    await Promise.all(
      this.replicas.map((replica) => (replica.isInitialized ? replica.destroy().catch(() => undefined) : undefined)),
    );
  }
}
