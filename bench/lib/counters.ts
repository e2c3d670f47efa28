import { Redis } from 'ioredis';
import { Client } from 'pg';
import { sleep } from './processes';

/** What one database and the Redis server have done so far: read before and after a run. */
export interface ServerCounters {
  readonly commits: number;
  /** Milliseconds sessions spent running statements or holding a transaction open (PostgreSQL 14+). */
  readonly busyMs: number;
  readonly redisCommands: number;
}

/** Per-request cost of a run, from the difference of two readings. */
export interface PerRequestCost {
  readonly commits: number;
  readonly dbBusyMs: number;
  readonly redisOps: number;
}

export class CounterReader {
  private constructor(
    private readonly sql: Client,
    private readonly redis: Redis,
  ) {}

  static async open(databaseUrl: string, redisUrl: string): Promise<CounterReader> {
    const sql = new Client({ connectionString: databaseUrl });
    await sql.connect();
    const redis = new Redis(redisUrl);
    return new CounterReader(sql, redis);
  }

  async read(): Promise<ServerCounters> {
    // Backends flush their statistics at most once a second; wait for this run's to land.
    await sleep(1100);
    const { rows } = await this.sql.query<{ commits: string; busy: number }>(
      `SELECT xact_commit AS commits, active_time + idle_in_transaction_time AS busy
         FROM pg_stat_database WHERE datname = current_database()`,
    );
    const stats = await this.redis.info('stats');
    return {
      commits: Number(rows[0]!.commits),
      busyMs: Number(rows[0]!.busy),
      redisCommands: Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0),
    };
  }

  async close(): Promise<void> {
    await this.sql.end().catch(() => undefined);
    this.redis.disconnect();
  }
}

export function costPerRequest(before: ServerCounters, after: ServerCounters, requests: number): PerRequestCost {
  const per = (delta: number) => (requests > 0 ? Math.round((delta / requests) * 1000) / 1000 : Number.NaN);
  return {
    // This reader's own query commits once per reading; it is not the app's.
    commits: per(after.commits - before.commits - 1),
    dbBusyMs: per(after.busyMs - before.busyMs),
    // INFO itself is a command; so are the reader's.
    redisOps: per(after.redisCommands - before.redisCommands - 1),
  };
}

/** Sum of a Prometheus counter's samples whose labels match `labelFilter`. */
export function counterTotal(metrics: string, name: string, labelFilter: RegExp = /.*/): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = line.slice(name.length, line.lastIndexOf(' '));
    if (labelFilter.test(labels)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Catalog cache hits and misses of one process so far (every tier counted as a hit). */
export async function catalogCacheCounts(baseUrl: string): Promise<{ hits: number; misses: number }> {
  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const catalog = /cache="catalog/;
  return {
    hits: counterTotal(metrics, 'cache_hits_total', catalog),
    misses: counterTotal(metrics, 'cache_misses_total', catalog),
  };
}
