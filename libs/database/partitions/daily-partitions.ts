/**
 * Tables that grow with traffic, range-partitioned by one timestamp column into UTC days, so that
 * retention drops whole partitions instead of deleting rows: no dead tuples, no vacuum, a few
 * catalog rows of WAL (docs/decisions/0037-time-partitioned-tables.md).
 */

/** Something that runs SQL: a TypeORM DataSource, EntityManager or QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface DailyPartitionedTable {
  readonly schema: string;
  readonly table: string;
  /** A partition is dropped once its upper bound is this far in the past. */
  readonly retentionHours: number;
  /** Rows of the DEFAULT partition older than the retention (by this column) are deleted: it is small. */
  readonly pruneDefaultBy?: string;
}

/** Days of partitions kept ready ahead of today: inserts never wait for maintenance. */
export const PARTITION_DAYS_AHEAD = 2;

const DAY_MS = 86_400_000;

/** The UTC midnight starting the day of `at`. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** `outbox_p20261206`: the partition of one UTC day. */
export function partitionName(table: string, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The partition bound of one UTC day, as literals (no parameters in DDL). */
function dayBounds(day: Date): string {
  const next = new Date(day.getTime() + DAY_MS);
  return `FROM ('${day.toISOString()}') TO ('${next.toISOString()}')`;
}

/** Creates the partitions of `days` UTC days from `from` that do not exist yet. */
export async function createDailyPartitions(
  runner: SqlRunner,
  schema: string,
  table: string,
  from: Date,
  days: number,
): Promise<string[]> {
  const existing = new Set((await partitionsOf(runner, schema, table)).map((p) => p.name));
  const created: string[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(utcDay(from).getTime() + i * DAY_MS);
    const name = partitionName(table, day);
    if (existing.has(name)) continue;
    await runner.query(`CREATE TABLE ${schema}.${name} PARTITION OF ${schema}.${table} FOR VALUES ${dayBounds(day)}`);
    created.push(name);
  }
  return created;
}

export interface PartitionInfo {
  readonly name: string;
  /** The exclusive upper bound; null for the DEFAULT partition. */
  readonly upper: Date | null;
}

/** The partitions of a table, oldest first, the DEFAULT one last. */
export async function partitionsOf(runner: SqlRunner, schema: string, table: string): Promise<PartitionInfo[]> {
  const rows = (await runner.query(
    `SELECT c.relname AS name,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS upper
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1)
      ORDER BY upper NULLS LAST, name`,
    [`${schema}.${table}`],
  )) as { name: string; upper: Date | null }[];
  return rows;
}

export interface MaintenanceOutcome {
  readonly created: readonly string[];
  readonly dropped: readonly string[];
  /** False when another process held the table's maintenance lock (or a lock was not granted in time). */
  readonly ran: boolean;
}

/**
 * Creates today's partition and PARTITION_DAYS_AHEAD more, drops those whose upper bound is older
 * than the retention. One process at a time per table (a transaction-level advisory lock); the
 * DDL waits at most `lockTimeoutMs` for the table, so a long transaction delays maintenance to its
 * next run rather than queueing every writer behind it.
 */
export async function maintainDailyPartitions(
  transaction: <T>(work: (runner: SqlRunner) => Promise<T>) => Promise<T>,
  spec: DailyPartitionedTable,
  lockTimeoutMs = 5000,
): Promise<MaintenanceOutcome> {
  return transaction(async (runner) => {
    const [lock] = (await runner.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS got`, [
      `tessera:partitions:${spec.schema}.${spec.table}`,
    ])) as { got: boolean }[];
    if (!lock?.got) return { created: [], dropped: [], ran: false };
    await runner.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    const [clock] = (await runner.query(`SELECT now() AS now`)) as { now: Date }[];
    const now = clock!.now;
    const created = await createDailyPartitions(runner, spec.schema, spec.table, now, PARTITION_DAYS_AHEAD + 1);
    const cutoff = now.getTime() - spec.retentionHours * 3_600_000;
    const dropped: string[] = [];
    for (const partition of await partitionsOf(runner, spec.schema, spec.table)) {
      if (partition.upper === null || partition.upper.getTime() > cutoff) continue;
      await runner.query(`DROP TABLE ${spec.schema}.${partition.name}`);
      dropped.push(partition.name);
    }
    if (spec.pruneDefaultBy) {
      await runner.query(
        `DELETE FROM ${spec.schema}.${spec.table}_default WHERE ${spec.pruneDefaultBy} < now() - make_interval(hours => $1)`,
        [spec.retentionHours],
      );
    }
    return { created, dropped, ran: true };
  });
}

/**
 * For a migration turning `source` into the partitioned `table`: today's partition and those of
 * the days ahead; rows from before today go into one `<table>_p_before` partition, which
 * retention drops whole once its newest day has expired.
 */
export async function createPartitionsForRows(
  runner: SqlRunner,
  schema: string,
  table: string,
  source: string,
  column: string,
): Promise<void> {
  const [range] = (await runner.query(`SELECT min(${column}) AS oldest, now() AS now FROM ${schema}.${source}`)) as {
    oldest: Date | null;
    now: Date;
  }[];
  const from = utcDay(range!.now);
  if (range!.oldest && range!.oldest < from) {
    await runner.query(
      `CREATE TABLE ${schema}.${table}_p_before PARTITION OF ${schema}.${table}
         FOR VALUES FROM (MINVALUE) TO ('${from.toISOString()}')`,
    );
  }
  await createDailyPartitions(runner, schema, table, from, 1 + PARTITION_DAYS_AHEAD);
}

/** The schema a migration's statements run in (its module's). */
export function migrationSchema(runner: { readonly connection: { readonly options: object } }): string {
  return (runner.connection.options as { readonly schema?: string }).schema ?? 'public';
}
