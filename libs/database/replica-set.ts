import { Logger } from '@nestjs/common';
import type { QueryConfig } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { registeredMetric } from '#libs/observability';
import { describeError } from './describe-error';
import { lsnAtLeast } from './lsn';
import type { BudgetPool } from './budget-pool';
import type { DatabasePools } from './database-pools';
import type { PrimaryDatabase } from './primary-database';

export interface ReplicaState {
  readonly name: string;
  readonly url: string;
  healthy: boolean;
  lagSeconds: number;
  /** LSN the replica has replayed, as of the last check. */
  replayLsn: string | undefined;
  error: string | undefined;
}

const lagGauge = registeredMetric(
  'database_replica_lag_seconds',
  () =>
    new Gauge({
      name: 'database_replica_lag_seconds',
      help: 'Replication lag per read replica (seconds behind the primary)',
      labelNames: ['replica'],
    }),
);
const upGauge = registeredMetric(
  'database_replica_up',
  () => new Gauge({ name: 'database_replica_up', help: '1 when the replica is in rotation', labelNames: ['replica'] }),
);
export const readsByTarget = registeredMetric(
  'database_reads_total',
  () =>
    new Counter({
      name: 'database_reads_total',
      help: 'Read-model queries by module and target (replica or primary)',
      labelNames: ['module', 'target'],
    }),
);

/** How long a check waits for a replica's (or the primary's) answer: one that slow is better skipped. */
const CHECK_TIMEOUT_MS = 1000;

// node-postgres honours a query's own `query_timeout`; its types do not know the field.
const CHECK_QUERY: QueryConfig & { readonly query_timeout: number } = {
  text: `SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS replay,
                extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float AS since`,
  query_timeout: CHECK_TIMEOUT_MS,
};

/** A replica silent, not in recovery or past REPLICA_MAX_LAG_SECONDS leaves the rotation until a check finds it fit. */
export class ReplicaSet {
  private readonly logger = new Logger('Replicas');
  readonly replicas: ReplicaState[];
  private readonly pools: BudgetPool[];
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private next = 0;

  constructor(
    urls: readonly string[],
    private readonly primary: PrimaryDatabase,
    private readonly maxLagSeconds: number,
    private readonly intervalMs: number,
    pools: DatabasePools,
  ) {
    this.replicas = urls.map((url) => ({
      name: replicaName(url),
      url,
      healthy: false,
      lagSeconds: Number.POSITIVE_INFINITY,
      replayLsn: undefined,
      error: 'not checked yet',
    }));
    // The checks borrow from the pools the reads use: one pool per replica.
    this.pools = urls.map((url) => pools.replica(url));
  }

  start(): void {
    if (this.replicas.length === 0) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** A check still running is not started again: checks of a silent replica must not pile up. */
  private tick(): void {
    this.checking ??= this.check().finally(() => (this.checking = undefined));
  }

  /** A healthy replica already past the consistency token, if given; none means the primary. */
  choose(atLeastLsn?: string): number | undefined {
    const candidates = this.replicas
      .map((replica, index) => ({ replica, index }))
      .filter(
        ({ replica }) =>
          replica.healthy &&
          (!atLeastLsn || (replica.replayLsn !== undefined && lsnAtLeast(replica.replayLsn, atLeastLsn))),
      );
    if (candidates.length === 0) return undefined;
    return candidates[this.next++ % candidates.length]!.index;
  }

  /** A query failed on this replica: out of rotation until the next check says otherwise. */
  markFailed(index: number, error: unknown): void {
    const replica = this.replicas[index];
    if (!replica) return;
    this.transition(replica, false, describeError(error));
  }

  private async check(): Promise<void> {
    // Unknown when the primary is slow: the lag is then read from the replica's replay time.
    const primaryLsn = await withTimeout(this.primary.currentLsn(), CHECK_TIMEOUT_MS).catch(() => undefined);
    await Promise.all(
      this.replicas.map(async (replica, index) => {
        try {
          const { rows } = await this.pools[index]!.pool.query<{
            recovery: boolean;
            replay: string | null;
            since: number | null;
          }>(CHECK_QUERY);
          const row = rows[0]!;
          if (!row.recovery) throw new Error('not a replica (not in recovery)');
          replica.replayLsn = row.replay ?? undefined;
          // Caught up with the primary means no lag, however long ago the last write was.
          const caughtUp = primaryLsn !== undefined && row.replay !== null && lsnAtLeast(row.replay, primaryLsn);
          replica.lagSeconds = caughtUp ? 0 : (row.since ?? Number.POSITIVE_INFINITY);
          const fit = replica.lagSeconds <= this.maxLagSeconds;
          this.transition(replica, fit, fit ? undefined : `lags ${replica.lagSeconds.toFixed(1)} s`);
        } catch (error) {
          this.transition(replica, false, describeError(error));
        }
        lagGauge.set({ replica: replica.name }, Number.isFinite(replica.lagSeconds) ? replica.lagSeconds : -1);
      }),
    );
  }

  private transition(replica: ReplicaState, healthy: boolean, error: string | undefined): void {
    if (replica.healthy !== healthy) {
      if (healthy) this.logger.log(`replica ${replica.name} is back in rotation`);
      else this.logger.warn(`replica ${replica.name} out of rotation: ${error}`);
    }
    replica.healthy = healthy;
    replica.error = error;
    upGauge.set({ replica: replica.name }, healthy ? 1 : 0);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}

/** `promise`, or a rejection once `ms` have passed without it settling. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function replicaName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || 5432}`;
}
