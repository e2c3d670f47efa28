import type { DataSource } from 'typeorm';
import { queryTimedOut } from './budget-pool';
import { databaseUnreachable } from './database-unreachable';
import { readsByTarget, type ReplicaSet } from './replica-set';

export interface ReadResult<T> {
  readonly value: T;
  /** The LSN the data is at least as fresh as. */
  readonly lsn: string;
}

const CURRENT_LSN = `SELECT pg_current_wal_lsn()::text AS lsn`;

/** How long one reading of a server's LSN serves reads without a token. */
const LSN_REUSE_MS = 100;

/**
 * A replica that cannot be reached or stopped answering (REPLICA_QUERY_TIMEOUT_MS) has failed; one in
 * recovery cancels queries that conflict with replay. The primary can answer them all.
 */
function replicaFailed(error: unknown): boolean {
  if (databaseUnreachable(error) || queryTimedOut(error)) return true;
  const failure = error as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  return (failure?.driverError?.code ?? failure?.code) === '40001';
}

/**
 * A healthy replica that has replayed the caller's token, else the primary; a replica failing
 * mid-query is dropped and the query rerun (docs/decisions/0019-read-replicas-and-consistency-tokens.md).
 */
export class ReadDataSource {
  private readonly ready = new Map<number, Promise<DataSource>>();
  /** The last LSN read from each server, and when its reading began. */
  private readonly lsns = new Map<DataSource, { readonly since: number; readonly lsn: Promise<string> }>();

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
        const lsn = await this.lsnOf(replica, `SELECT pg_last_wal_replay_lsn()::text AS lsn`, atLeastLsn !== undefined);
        const value = await work(replica);
        readsByTarget.inc({ module: this.module, target: 'replica' });
        return { value, lsn };
      } catch (error) {
        if (!replicaFailed(error)) throw error;
        this.replicaSet?.markFailed(index, error);
        this.ready.delete(index);
      }
    }
    const lsn = await this.lsnOf(this.primary, CURRENT_LSN, atLeastLsn !== undefined);
    const value = await work(this.primary);
    readsByTarget.inc({ module: this.module, target: 'primary' });
    return { value, lsn };
  }

  /**
   * The primary's WAL position now, past every commit made before the call, for an invalidation
   * to carry (docs/decisions/0021-read-cache-and-invalidation.md). Undefined without replicas,
   * where every read sees every commit, and when it cannot be read: the write has committed.
   */
  async writePosition(): Promise<string | undefined> {
    if (this.replicas.length === 0) return undefined;
    return this.lsnOf(this.primary, CURRENT_LSN, true).catch(() => undefined);
  }

  /**
   * A lower bound of what the query will read. Any earlier reading is one, so reads without a token
   * share one for LSN_REUSE_MS; a read with a token reads afresh, so its entry satisfies it at once.
   */
  private lsnOf(server: DataSource, sql: string, fresh: boolean): Promise<string> {
    const known = this.lsns.get(server);
    const now = Date.now();
    if (!fresh && known && now - known.since < LSN_REUSE_MS) return known.lsn;
    const lsn = server.query(sql).then((rows) => (rows as [{ lsn: string }])[0].lsn);
    this.lsns.set(server, { since: now, lsn });
    // A failed reading is not kept: the next read asks again.
    lsn.catch(() => {
      if (this.lsns.get(server)?.lsn === lsn) this.lsns.delete(server);
    });
    return lsn;
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
