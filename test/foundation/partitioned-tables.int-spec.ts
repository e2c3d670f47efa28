import { randomUUID } from 'node:crypto';
import { runToExit, startApp } from '../support/app-process';
import { eventually } from '../support/eventually';
import { queueBackends } from '../support/queue-backends';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const DAY_MS = 86_400_000;
/** The UTC midnight `offset` days from today. */
const day = (offset: number) => new Date((Math.floor(Date.now() / DAY_MS) + offset) * DAY_MS);
const partition = (table: string, offset: number) =>
  `${table}_p${day(offset).toISOString().slice(0, 10).replaceAll('-', '')}`;
const bounds = (offset: number) => `FROM ('${day(offset).toISOString()}') TO ('${day(offset + 1).toISOString()}')`;

/** Every relation a plan reads, from EXPLAIN (FORMAT JSON). */
function relationsOf(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(relationsOf);
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as Record<string, unknown>;
  const own = typeof node['Relation Name'] === 'string' ? [node['Relation Name']] : [];
  return [...own, ...Object.values(node).flatMap(relationsOf)];
}

describe('time-partitioned tables: outbox, inbox, idempotency keys, stock movements, webhook deliveries', () => {
  let db: TestDatabase;
  const backend = queueBackends().find((b) => b.name === 'postgres')!;
  const partitions = async (schema: string, table: string) =>
    (
      await db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = to_regclass($1) ORDER BY 1`,
        [`${schema}.${table}`],
      )
    ).map((row) => row.name);
  const explain = async (sql: string, params: unknown[] = []) =>
    relationsOf(await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params));
  const migrate = async () => {
    const { code, stderr } = await runToExit({ args: ['migrate'], env: { DATABASE_URL: db.url }, timeoutMs: 60_000 });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  };

  beforeAll(async () => {
    db = await createTestDatabase('partitions');
    await migrate();
  }, 90_000);
  afterAll(() => db?.drop());

  it('migrations leave every module the partitions of today and the days ahead', async () => {
    const ahead = [0, 1, 2];
    for (const schema of ['identity', 'catalog', 'inventory', 'ordering', 'payments', 'notifications']) {
      expect(await partitions(schema, 'outbox')).toEqual([
        ...ahead.map((offset) => partition('outbox', offset)),
        'outbox_pending',
      ]);
      expect(await partitions(schema, 'inbox')).toEqual([
        'inbox_default',
        ...ahead.map((offset) => partition('inbox', offset)),
      ]);
    }
    expect(await partitions('ordering', 'idempotency_keys')).toEqual(
      ahead.map((offset) => partition('idempotency_keys', offset)),
    );
    expect(await partitions('inventory', 'stock_movements')).toEqual(
      ahead.map((offset) => partition('stock_movements', offset)),
    );
    expect(await partitions('notifications', 'webhook_deliveries')).toEqual([
      'webhook_deliveries_default',
      ...ahead.map((offset) => partition('webhook_deliveries', offset)),
    ]);
  });

  it('converts an unpartitioned outbox and inbox with rows: every row kept, positions continue', async () => {
    // identity's tables as they were before partitioning, with a month of rows.
    await db.query(`DROP TABLE identity.outbox, identity.inbox`);
    await db.query(`
      CREATE TABLE identity.outbox (
        position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, event_name text NOT NULL,
        event_version integer NOT NULL, aggregate_id text NOT NULL, aggregate_version bigint NOT NULL,
        payload jsonb NOT NULL, correlation_id text, causation_id text,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(), sent_at timestamptz, traceparent text, tracestate text);
      CREATE INDEX outbox_unsent ON identity.outbox (position) WHERE sent_at IS NULL;
      CREATE INDEX outbox_sent ON identity.outbox (sent_at) WHERE sent_at IS NOT NULL;
      CREATE TABLE identity.inbox (event_id uuid PRIMARY KEY, event_name text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT clock_timestamp());
      CREATE INDEX inbox_handled_at ON identity.inbox (handled_at);
      SELECT setval('identity.outbox_position_seq', 1000);
      INSERT INTO identity.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload, occurred_at, sent_at)
      SELECT gen_random_uuid(), 'identity.user-registered', 1, 'a', 1, '{}', now() - make_interval(days => d),
             CASE WHEN d = 0 THEN NULL ELSE now() - make_interval(days => d) END
        FROM generate_series(0, 30) AS d;
      INSERT INTO identity.inbox (event_id, event_name, handled_at)
      SELECT gen_random_uuid(), 'x@1', now() - make_interval(days => d) FROM generate_series(0, 30) AS d;
      DELETE FROM identity.migrations WHERE name = 'PartitionMessagingTables1767000000000';`);
    await migrate();

    expect(await db.query(`SELECT count(*)::int AS n, min(position)::int AS first FROM identity.outbox`)).toEqual([
      { n: 31, first: 1001 },
    ]);
    expect(await db.query(`SELECT count(*)::int AS n FROM identity.inbox`)).toEqual([{ n: 31 }]);
    // The rows from before today share one partition, dropped whole when its time comes.
    expect(await db.query(`SELECT count(*)::int AS n FROM identity.outbox_p_before`)).toEqual([{ n: 30 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM identity.outbox_pending`)).toEqual([{ n: 1 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM identity.inbox_p_before`)).toEqual([{ n: 30 }]);
    const [next] = await db.query<{ position: string }>(
      `INSERT INTO identity.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload)
       VALUES ($1, 'identity.user-registered', 1, 'b', 1, '{}') RETURNING position`,
      [randomUUID()],
    );
    expect(Number(next!.position)).toBe(1032);
  });

  it('a worker creates the days ahead and drops whole partitions past retention, keeping what is still needed', async () => {
    // The day after tomorrow is missing; old days hold rows past retention.
    await db.query(`DROP TABLE ordering.${partition('outbox', 2)}, ordering.${partition('idempotency_keys', 2)}`);
    await db.query(
      `CREATE TABLE ordering.${partition('outbox', -5)} PARTITION OF ordering.outbox FOR VALUES ${bounds(-5)}`,
    );
    await db.query(
      `CREATE TABLE ordering.${partition('inbox', -10)} PARTITION OF ordering.inbox FOR VALUES ${bounds(-10)}`,
    );
    const row = (ago: string, sent: string) =>
      `(gen_random_uuid(), 'ordering.order-placed', 1, '${ago}', 1, '{}', now() - interval '${ago}', ${sent})`;
    await db.query(`INSERT INTO ordering.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version,
                      payload, occurred_at, sent_at) VALUES
                      ${row('5 days', `'${day(-5).toISOString()}'::timestamptz + interval '1 hour'`)},
                      ${row('6 days', 'NULL')},
                      ${row('2 hours', 'now()')}`);
    await db.query(`INSERT INTO ordering.inbox (event_id, occurred_at, event_name) VALUES
                      (gen_random_uuid(), '${day(-10).toISOString()}'::timestamptz + interval '1 hour', 'old'),
                      (gen_random_uuid(), now() - interval '2 days', 'kept'),
                      (gen_random_uuid(), now() - interval '30 days', 'replayed late')`);
    // No day of their own: both wait in the default partition.
    expect(await db.query(`SELECT event_name FROM ordering.inbox_default ORDER BY 1`)).toEqual([
      { event_name: 'kept' },
      { event_name: 'replayed late' },
    ]);

    const worker = await startApp({
      entry: 'main',
      args: ['--modules', 'ordering', '--roles', 'worker'],
      env: { DATABASE_URL: db.url, ...backend.env() },
    });
    try {
      await eventually(
        async () => (await partitions('ordering', 'outbox')).join(' '),
        (names) => !names.includes(partition('outbox', -5)) && names.includes(partition('outbox', 2)),
        { what: 'the outbox partitions kept', timeoutMs: 30_000 },
      );
      await eventually(
        async () => (await partitions('ordering', 'inbox')).join(' '),
        (names) => !names.includes(partition('inbox', -10)),
        { what: 'the inbox partitions kept', timeoutMs: 30_000 },
      );
      // Ahead: today and two more days, again.
      expect(await partitions('ordering', 'idempotency_keys')).toEqual(
        expect.arrayContaining([0, 1, 2].map((offset) => partition('idempotency_keys', offset))),
      );
      // Sent more than OUTBOX_RETENTION_HOURS (24) before the end of its day: dropped; sent today:
      // kept; never sent, however old: kept.
      expect(await db.query(`SELECT aggregate_id, sent_at IS NULL AS pending FROM ordering.outbox ORDER BY 1`)).toEqual(
        [
          { aggregate_id: '2 hours', pending: false },
          { aggregate_id: '6 days', pending: true },
        ],
      );
      // Within INBOX_RETENTION_HOURS (168): kept; older: dropped with its day, or deleted from the default partition.
      expect(await db.query(`SELECT event_name FROM ordering.inbox ORDER BY 1`)).toEqual([{ event_name: 'kept' }]);
    } finally {
      await worker.stop();
    }
  });

  it('a worker keeps stock movements and webhook deliveries by their retention settings', async () => {
    await db.query(
      `DROP TABLE inventory.${partition('stock_movements', 2)}, notifications.${partition('webhook_deliveries', 2)}`,
    );
    for (const offset of [-3, -14]) {
      await db.query(`CREATE TABLE inventory.${partition('stock_movements', offset)}
                        PARTITION OF inventory.stock_movements FOR VALUES ${bounds(offset)}`);
      await db.query(`CREATE TABLE notifications.${partition('webhook_deliveries', offset)}
                        PARTITION OF notifications.webhook_deliveries FOR VALUES ${bounds(offset)}`);
    }
    await db.query(`INSERT INTO inventory.stock (sku, on_hand) VALUES ('SKU-P', 5)`);
    await db.query(`INSERT INTO inventory.stock_movements (sku, kind, delta, on_hand_after, at) VALUES
                      ('SKU-P', 'set', 5, 5, now() - interval '14 days'), ('SKU-P', 'set', 5, 5, now() - interval '3 days')`);
    const endpoint = randomUUID();
    await db.query(
      `INSERT INTO notifications.webhook_endpoints (id, owner_id, url, secret, event_types)
       VALUES ($1, $2, 'https://example.com/h', 's', ARRAY['order.placed'])`,
      [endpoint, randomUUID()],
    );
    await db.query(
      `INSERT INTO notifications.webhook_deliveries (id, endpoint_id, event_id, event_type, sequence_key, occurred_at, body, status, created_at)
       VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'order.placed', gen_random_uuid(), now() - interval '14 days', '{}', 'delivered', now() - interval '14 days'),
              (gen_random_uuid(), $1, gen_random_uuid(), 'order.placed', gen_random_uuid(), now() - interval '3 days', '{}', 'delivered', now() - interval '3 days')`,
      [endpoint],
    );

    const worker = await startApp({
      entry: 'main',
      args: ['--modules', 'inventory,notifications', '--roles', 'worker'],
      env: {
        DATABASE_URL: db.url,
        STOCK_MOVEMENT_RETENTION_DAYS: '11',
        WEBHOOK_DELIVERY_RETENTION_DAYS: '11',
        ...backend.env(),
      },
    });
    try {
      await eventually(
        async () =>
          [
            ...(await partitions('inventory', 'stock_movements')),
            ...(await partitions('notifications', 'webhook_deliveries')),
          ].join(' '),
        (names) =>
          !names.includes(partition('stock_movements', -14)) &&
          !names.includes(partition('webhook_deliveries', -14)) &&
          names.includes(partition('stock_movements', 2)) &&
          names.includes(partition('webhook_deliveries', 2)),
        { what: 'the stock movement and webhook delivery partitions kept', timeoutMs: 30_000 },
      );
      // Within the 11 days: kept; older: dropped with its day.
      expect(await partitions('inventory', 'stock_movements')).toContain(partition('stock_movements', -3));
      expect(await db.query(`SELECT count(*)::int AS n FROM inventory.stock_movements WHERE sku = 'SKU-P'`)).toEqual([
        { n: 1 },
      ]);
      expect(
        await db.query(`SELECT count(*)::int AS n FROM notifications.webhook_deliveries WHERE endpoint_id = $1`, [
          endpoint,
        ]),
      ).toEqual([{ n: 1 }]);
    } finally {
      await worker.stop();
    }
  });

  it('the hot statements read one partition', async () => {
    // The relay's claim: the pending partition only.
    expect(
      new Set(
        await explain(`UPDATE ordering.outbox SET sent_at = clock_timestamp()
                        WHERE sent_at IS NULL AND position = ANY(ARRAY(
                          SELECT position FROM ordering.outbox WHERE sent_at IS NULL ORDER BY position LIMIT 200
                          FOR UPDATE SKIP LOCKED))`),
      ),
    ).toEqual(new Set(['outbox', 'outbox_pending']));
    // The inbox's record of an event: the partition of its day.
    expect(
      await explain(`SELECT 1 FROM ordering.inbox WHERE event_id = $1 AND occurred_at = $2`, [
        randomUUID(),
        new Date().toISOString(),
      ]),
    ).toEqual([partition('inbox', 0)]);
    // An idempotency key's lookup: the days within IDEMPOTENCY_KEY_TTL_HOURS (24) and the empty days
    // ahead; never an older day (docs/decisions/0037-time-partitioned-tables.md).
    for (const offset of [-2, -1]) {
      await db.query(
        `CREATE TABLE IF NOT EXISTS ordering.${partition('idempotency_keys', offset)}
           PARTITION OF ordering.idempotency_keys FOR VALUES ${bounds(offset)}`,
      );
    }
    const keyLookup = await explain(
      `SELECT request_hash FROM ordering.idempotency_keys
        WHERE scope = 's' AND key = 'k' AND expires_at > now() AND created_at > now() - make_interval(hours => 24)`,
    );
    expect(keyLookup).toEqual(
      expect.arrayContaining([partition('idempotency_keys', -1), partition('idempotency_keys', 0)]),
    );
    expect(keyLookup).not.toContain(partition('idempotency_keys', -2));
    // A webhook delivery's record of an event: the partition of its day (the conflict target
    // includes the event's time, so a redelivered event meets its first delivery there).
    expect(
      await explain(
        `SELECT 1 FROM notifications.webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2 AND occurred_at = $3`,
        [randomUUID(), randomUUID(), new Date().toISOString()],
      ),
    ).toEqual([partition('webhook_deliveries', 0)]);
    // A SKU's movements of the last days: only those days' partitions.
    const recentMovements = await explain(
      `SELECT id FROM inventory.stock_movements WHERE sku = 'SKU-P' AND at > now() - interval '1 day' ORDER BY id DESC LIMIT 50`,
    );
    expect(recentMovements).not.toContain(partition('stock_movements', -3));
  });

  it('an API process alone, its workers down, keeps the partitions its writes need', async () => {
    // Days after the workers stopped: today's partitions and those ahead are missing.
    const tables = [
      ['ordering', 'idempotency_keys'],
      ['ordering', 'outbox'],
      ['inventory', 'stock_movements'],
    ] as const;
    for (const [schema, table] of tables)
      for (const offset of [0, 1, 2]) await db.query(`DROP TABLE IF EXISTS ${schema}.${partition(table, offset)}`);

    const api = await startApp({
      entry: 'main',
      args: ['--roles', 'api'],
      env: { DATABASE_URL: db.url, ...backend.env() },
    });
    try {
      for (const [schema, table] of tables) {
        await eventually(
          () => partitions(schema, table),
          (names) => [0, 1, 2].every((offset) => names.includes(partition(table, offset))),
          { what: `${schema}.${table}: today's partition and the days ahead`, timeoutMs: 30_000 },
        );
      }
    } finally {
      await api.stop();
    }
  });
});
