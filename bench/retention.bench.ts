/**
 * The cost of a day's retention (`npm run bench:retention`): the outbox, inbox and idempotency
 * keys that a day of the `mixed` load leaves behind, removed once by `DELETE` + `VACUUM` (the
 * tables unpartitioned, as before docs/decisions/0037-time-partitioned-tables.md) and once by
 * dropping the day's partitions (`maintainDailyPartitions`, what the workers run). Both on a
 * PostgreSQL cluster of the bench's own (autovacuum off, nothing else writing), so the WAL and
 * buffer counts are the retention's alone.
 *
 * Options: `--scale 0.002` (the share of a day loaded; DELETE's cost grows with the rows, a
 * partition's drop does not), `--orders-per-second 90.4` (the `mixed` load's order rate).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDailyPartitions, maintainDailyPartitions, type SqlRunner } from '#libs/database';
import { ROOT, runToExit } from '../test/support/app-process';
import { startDisposablePostgres } from '../test/support/disposable-services';
import { benchArgs } from './bench-args';

/** bench/README.md, `mixed`: 904 req/s of which 10 % place an order. */
const MIXED_ORDERS_PER_SECOND = 90.4;
/** Rows one completed order leaves (docs/events.md): 5 events published, 9 inbox records, 1 key. */
const ROWS_PER_ORDER = { outbox: 5, inbox: 9, idempotency_keys: 1 } as const;

interface Cost {
  readonly ms: number;
  readonly vacuumMs: number;
  readonly walBytes: number;
  readonly buffersTouched: number;
  readonly blocksWritten: number;
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  // A lost connection fails the query in flight; unhandled, it would end the bench before its cluster is stopped.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function counters(client: Client): Promise<{ lsn: string; touched: number; written: number }> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const [row] = (
    await client.query<{ lsn: string; touched: string; written: string }>(
      `SELECT pg_current_wal_lsn()::text AS lsn,
              (SELECT blks_hit + blks_read FROM pg_stat_database WHERE datname = current_database()) AS touched,
              (SELECT buffers_checkpoint + buffers_clean + buffers_backend FROM pg_stat_bgwriter) AS written`,
    )
  ).rows;
  return { lsn: row!.lsn, touched: Number(row!.touched), written: Number(row!.written) };
}

/**
 * Runs `work` on a connection of its own (closed after, which flushes its statistics) between two
 * checkpoints: the WAL it wrote, the buffers it touched, the dirty blocks the checkpoint wrote.
 */
async function measure(url: string, work: (client: Client) => Promise<{ vacuumMs: number }>): Promise<Cost> {
  const observer = await connect(url);
  try {
    await observer.query('CHECKPOINT');
    const before = await counters(observer);
    const worker = await connect(url);
    const started = performance.now();
    let vacuumMs: number;
    try {
      ({ vacuumMs } = await work(worker));
    } finally {
      await worker.end();
    }
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const afterWork = await counters(observer);
    const [wal] = (
      await observer.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff($1, $2) AS bytes`, [afterWork.lsn, before.lsn])
    ).rows;
    await observer.query('CHECKPOINT');
    const afterCheckpoint = await counters(observer);
    return {
      ms: Math.round(ms),
      vacuumMs: Math.round(vacuumMs),
      walBytes: Number(wal!.bytes),
      buffersTouched: afterWork.touched - before.touched,
      blocksWritten: afterCheckpoint.written - before.written,
    };
  } finally {
    await observer.end();
  }
}

/** Rows past retention and rows kept, `orders` of each, into the three tables of `schema`. */
async function load(client: Client, schema: string, orders: number): Promise<void> {
  // The day before yesterday (its partition past 24 hours of retention) and the last hour (kept).
  for (const day of [`date_trunc('day', now()) - interval '36 hours'`, `now() - interval '1 hour'`]) {
    // Spread over the hours of the day, as traffic would be.
    const at = `${day} + make_interval(secs => i * 3600.0 / ${orders})`;
    await client.query(
      `INSERT INTO ${schema}.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload,
                                     occurred_at, sent_at)
       SELECT gen_random_uuid(), 'ordering.order-placed', 1, gen_random_uuid()::text, 1,
              jsonb_build_object('orderId', gen_random_uuid(), 'total', jsonb_build_object('amount', 1999, 'currency', 'EUR')),
              ${at}, ${at}
         FROM generate_series(1, ${orders * ROWS_PER_ORDER.outbox}) AS i`,
    );
    const inboxTime = schema === 'ordering' ? 'occurred_at, ' : '';
    await client.query(
      `INSERT INTO ${schema}.inbox (event_id, ${inboxTime}event_name, handled_at)
       SELECT gen_random_uuid(), ${inboxTime ? `${at}, ` : ''}'ordering.order-placed@1', ${at}
         FROM generate_series(1, ${orders * ROWS_PER_ORDER.inbox}) AS i`,
    );
    await client.query(
      `INSERT INTO ${schema}.idempotency_keys (scope, key, request_hash, state, response_status, response_body,
                                               created_at, expires_at)
       SELECT gen_random_uuid()::text, gen_random_uuid()::text, md5(i::text), 'completed', 201,
              jsonb_build_object('id', gen_random_uuid(), 'status', 'pending'), ${at}, ${at} + interval '24 hours'
         FROM generate_series(1, ${orders * ROWS_PER_ORDER.idempotency_keys}) AS i`,
    );
  }
}

/** The tables as they were before partitioning, with their indexes, in a schema of their own. */
async function createUnpartitioned(client: Client): Promise<void> {
  await client.query(`
    CREATE SCHEMA unpartitioned;
    CREATE TABLE unpartitioned.outbox (
      position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, event_name text NOT NULL,
      event_version integer NOT NULL, aggregate_id text NOT NULL, aggregate_version bigint NOT NULL,
      payload jsonb NOT NULL, correlation_id text, causation_id text,
      occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(), sent_at timestamptz, traceparent text, tracestate text);
    CREATE INDEX outbox_unsent ON unpartitioned.outbox (position) WHERE sent_at IS NULL;
    CREATE INDEX outbox_sent ON unpartitioned.outbox (sent_at) WHERE sent_at IS NOT NULL;
    CREATE TABLE unpartitioned.inbox (event_id uuid PRIMARY KEY, event_name text NOT NULL,
      handled_at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE INDEX inbox_handled_at ON unpartitioned.inbox (handled_at);
    CREATE TABLE unpartitioned.idempotency_keys (
      scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, state text NOT NULL,
      response_status smallint, response_body jsonb, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
      PRIMARY KEY (scope, key));
    CREATE INDEX idempotency_keys_expiry ON unpartitioned.idempotency_keys (expires_at);`);
}

/** The statements retention ran before partitioning: the relay's DELETE, the key pruning's batches; then VACUUM. */
async function retainByDelete(client: Client): Promise<{ vacuumMs: number }> {
  await client.query(
    `DELETE FROM unpartitioned.outbox WHERE sent_at IS NOT NULL AND sent_at < clock_timestamp() - interval '24 hours'`,
  );
  await client.query(`DELETE FROM unpartitioned.inbox WHERE handled_at < now() - interval '24 hours'`);
  for (;;) {
    const { rowCount } = await client.query(
      `DELETE FROM unpartitioned.idempotency_keys WHERE ctid IN (
         SELECT ctid FROM unpartitioned.idempotency_keys WHERE expires_at <= now() LIMIT 5000)`,
    );
    if ((rowCount ?? 0) < 5000) break;
  }
  const started = performance.now();
  await client.query('VACUUM unpartitioned.outbox, unpartitioned.inbox, unpartitioned.idempotency_keys');
  return { vacuumMs: performance.now() - started };
}

/** What the workers run: each table's maintenance, retention 24 hours. */
async function retainByDrop(client: Client): Promise<{ vacuumMs: number }> {
  const transaction = async <T>(work: (runner: SqlRunner) => Promise<T>): Promise<T> => {
    await client.query('BEGIN');
    try {
      const result = await work({ query: async (sql, params) => (await client.query(sql, params)).rows });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  };
  for (const table of Object.keys(ROWS_PER_ORDER)) {
    const { dropped } = await maintainDailyPartitions(transaction, { schema: 'ordering', table, retentionHours: 24 });
    if (dropped.length === 0) throw new Error(`no partition of ordering.${table} was dropped`);
  }
  return { vacuumMs: 0 };
}

async function main(): Promise<void> {
  const args = benchArgs();
  const scale = Number(args.get('scale') ?? '0.002');
  const ordersPerSecond = Number(args.get('orders-per-second') ?? MIXED_ORDERS_PER_SECOND);
  const dayOrders = Math.round(ordersPerSecond * 86_400);
  const orders = Math.round(dayOrders * scale);
  const rowsPerOrder = Object.values(ROWS_PER_ORDER).reduce((a, b) => a + b, 0);
  console.log(
    `a day of mixed: ${dayOrders.toLocaleString('en')} orders, ${(dayOrders * rowsPerOrder).toLocaleString('en')} rows; ` +
      `loading ${orders.toLocaleString('en')} orders (${(orders * rowsPerOrder).toLocaleString('en')} rows) a day, scale ${scale}`,
  );
  const pg = await startDisposablePostgres();
  try {
    const admin = await connect(pg.url);
    await admin.query(`ALTER SYSTEM SET autovacuum = off`);
    await admin.query(`ALTER SYSTEM SET max_wal_size = '4GB'`);
    await admin.query(`SELECT pg_reload_conf()`);
    await admin.query(`CREATE DATABASE retention`);
    await admin.end();
    const url = pg.url.replace(/\/postgres$/, '/retention');
    const migrated = await runToExit({ args: ['migrate'], env: { DATABASE_URL: url }, timeoutMs: 120_000 });
    if (migrated.code !== 0) throw new Error(`migrations failed: ${migrated.stderr}`);
    const client = await connect(url);
    await createUnpartitioned(client);
    // The day before yesterday's partitions, as the workers made them then.
    const runner: SqlRunner = { query: async (sql, params) => (await client.query(sql, params)).rows };
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    for (const table of Object.keys(ROWS_PER_ORDER))
      await createDailyPartitions(runner, 'ordering', table, twoDaysAgo, 1);
    const loadStarted = performance.now();
    await load(client, 'unpartitioned', orders);
    await load(client, 'ordering', orders);
    await client.query('VACUUM ANALYZE');
    await client.end();
    console.log(`loaded in ${Math.round(performance.now() - loadStarted)} ms`);

    const deleted = await measure(url, retainByDelete);
    const dropped = await measure(url, retainByDrop);
    const ratio = (a: number, b: number) => Math.round((a / Math.max(b, 1)) * 10) / 10;
    const report = {
      date: new Date().toISOString().slice(0, 10),
      dayOrders,
      scale,
      ordersLoaded: orders,
      rowsRemovedPerVariant: orders * rowsPerOrder,
      delete: deleted,
      drop: dropped,
      ratios: {
        walBytes: ratio(deleted.walBytes, dropped.walBytes),
        buffersTouched: ratio(deleted.buffersTouched, dropped.buffersTouched),
        blocksWritten: ratio(deleted.blocksWritten, dropped.blocksWritten),
        ms: ratio(deleted.ms, dropped.ms),
      },
    };
    console.table({ 'DELETE + VACUUM': deleted, 'DROP partitions': dropped });
    console.log(`DELETE / DROP: ${JSON.stringify(report.ratios)}`);
    const dir = join(ROOT, 'bench/results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `retention-${report.date}.json`), `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await pg.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
