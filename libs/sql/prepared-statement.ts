import { createHash } from 'node:crypto';
import type { PoolClient, QueryResultRow } from 'pg';
import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

/** The name a statement is prepared under: derived from its text, so two texts never share one. */
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
 * A named prepared statement (docs/decisions/0009-prepared-statements.md): only for texts of a fixed
 * shape, since every distinct text stays prepared on each connection. Failures are `QueryFailedError`.
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

/** The primary's current LSN, as text (`0/16B3748`): what a consistency token carries. */
export const CURRENT_LSN_SQL = 'SELECT pg_current_wal_lsn()::text AS lsn';

/** What a statement run in its own transaction answered, and the primary's LSN after it. */
export interface CommittedStatement<Row> {
  readonly rows: Row[];
  /** Read after the statement committed, so it includes the commit; absent if that read failed. */
  readonly lsn: string | undefined;
}

/**
 * `queryPrepared` as its own transaction, then the LSN on the same (pipelined) connection in the same
 * round trip, so it includes the commit. Never inside a transaction: the LSN would precede the commit.
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
    const lsn = client.query<{ lsn: string }>({ name: preparedStatementName(CURRENT_LSN_SQL), text: CURRENT_LSN_SQL });
    // Both settled before the connection goes back to the pool.
    const [result, read] = await Promise.allSettled([written, lsn]);
    if (result.status === 'rejected') throw new QueryFailedError(text, [...values], result.reason as Error);
    return {
      rows: result.value.rows,
      lsn: read.status === 'fulfilled' ? read.value.rows[0]?.lsn : undefined,
    };
  } finally {
    await runner.release();
  }
}
