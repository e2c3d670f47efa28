import { createHash } from 'node:crypto';
import type { PoolClient, QueryResultRow } from 'pg';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

/**
 * The name a statement is prepared under: derived from its text, so one text is one name on
 * every connection and two texts can never share one (node-postgres refuses a known name
 * with another text).
 */
export function preparedStatementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    // Texts come from a few fixed shapes; a flood of distinct ones only costs the hashing again.
    if (names.size >= NAMES_KEPT) names.clear();
    name = `t_${createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, name);
  }
  return name;
}

/** Names already derived: the hot path asks for the same few texts on every request. */
const names = new Map<string, string>();
const NAMES_KEPT = 1000;

/**
 * Runs `text` as a named prepared statement: PostgreSQL parses and plans it the first time a
 * connection sees it and only binds and executes it after. For the statements of a hot path,
 * where planning costs as much as executing: on the order path it was 0.3 of 0.6 ms of the
 * server's time per order (pg_stat_statements). Use it only for texts built from a fixed shape
 * (values always as parameters), since every distinct text stays prepared on each connection.
 *
 * With an EntityManager inside a transaction it runs on that transaction's connection;
 * otherwise on a connection of the pool, as `DataSource.query` does. Failures are TypeORM's
 * `QueryFailedError`, as from `query`. TypeORM's query logger does not see these statements
 * (Tessera configures none); `pg_stat_statements` does, one row per text.
 */
export async function queryPrepared<Row extends QueryResultRow>(
  on: DataSource | EntityManager,
  text: string,
  values: readonly unknown[] = [],
): Promise<Row[]> {
  const dataSource = 'createQueryRunner' in on ? on : on.dataSource;
  const inTransaction = 'createQueryRunner' in on ? undefined : on.queryRunner;
  const runner = inTransaction ?? dataSource.createQueryRunner('master');
  try {
    const client = (await runner.connect()) as PoolClient;
    const result = await client
      .query<Row>({ name: preparedStatementName(text), text, values: [...values] })
      .catch((error: Error) => {
        throw new QueryFailedError(text, [...values], error);
      });
    return result.rows;
  } finally {
    if (!inTransaction) await runner.release();
  }
}

/** The primary's current WAL position, as text (`0/16B3748`): what a consistency token carries. */
export const WAL_POSITION_SQL = 'SELECT pg_current_wal_lsn()::text AS position';

/** What a statement run in its own transaction answered, and where the primary's WAL was after it. */
export interface CommittedStatement<Row> {
  readonly rows: Row[];
  /**
   * `pg_current_wal_lsn()` read after the statement committed: it includes the commit. Absent
   * if that read failed: the statement's outcome stands all the same.
   */
  readonly walPosition: string | undefined;
}

/**
 * Runs `text` as `queryPrepared` does, as its own transaction, and reads the primary's WAL
 * position right behind it on the same connection: the position includes the commit, so it
 * can be the write's consistency token. On a pipelined connection (`pipeline: true`, as the
 * module data sources are) both go in one round trip, where reading the position afterwards
 * costs the writer a second one. Never inside a transaction: the position would be read
 * before its commit.
 */
export async function queryPreparedCommitted<Row extends QueryResultRow>(
  dataSource: DataSource,
  text: string,
  values: readonly unknown[] = [],
): Promise<CommittedStatement<Row>> {
  const runner = dataSource.createQueryRunner('master');
  try {
    const client = (await runner.connect()) as PoolClient;
    const written = client.query<Row>({ name: preparedStatementName(text), text, values: [...values] });
    // Queued behind the statement: PostgreSQL runs it after the statement's Sync, i.e. after its commit.
    const position = client.query<{ position: string }>({
      name: preparedStatementName(WAL_POSITION_SQL),
      text: WAL_POSITION_SQL,
    });
    // Both settled before the connection goes back to the pool.
    const [result, read] = await Promise.allSettled([written, position]);
    if (result.status === 'rejected') throw new QueryFailedError(text, [...values], result.reason as Error);
    return {
      rows: result.value.rows,
      walPosition: read.status === 'fulfilled' ? read.value.rows[0]?.position : undefined,
    };
  } finally {
    await runner.release();
  }
}
