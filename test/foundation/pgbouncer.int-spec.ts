import { generateKeyPairSync, randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { claims, signEdDSA } from '../support/forge-token';
import { PgBouncer } from '../support/pgbouncer';
import { queueBackends } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

interface Order {
  id: string;
  status: 'pending' | 'stock_reserved' | 'paid' | 'confirmed' | 'cancelled';
  cancelReason?: string;
}

interface Stock {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** Each process's connection budget per database (DATABASE_POOL_SIZE's default). */
const POOL_SIZE = 8;
const PROCESSES = 3;
const UNITS = 100;
const BUYERS = 1000;

/**
 * The replicated deployment behind a transaction-mode PgBouncer (1.18: no named prepared
 * statements across server connections): three processes of the shipped app, every module
 * and role, whose pooled connections (DATABASE_URL) go through PgBouncer while LISTEN and the
 * migrations' advisory lock go straight to PostgreSQL (DATABASE_DIRECT_URL). The flash sale
 * must come out exactly as it does without a pooler: no error, no unit sold twice, every
 * event's effect once.
 */
describe('behind PgBouncer in transaction mode: three processes, one flash sale', () => {
  const queues = queueBackends().find((b) => b.name === 'redis')!;
  const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  let db: TestDatabase;
  let bouncer: PgBouncer;
  const apps: AppProcess[] = [];

  /** Round-robin over the processes, as a load balancer would spread the requests. */
  let turn = 0;
  const api = () => request(apps[turn++ % apps.length]!.url);

  beforeAll(async () => {
    db = await createTestDatabase('pgbouncer');
    bouncer = await PgBouncer.start({ databaseUrl: db.url, defaultPoolSize: 20, maxClientConn: 400 });
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: bouncer.url,
      DATABASE_DIRECT_URL: db.url,
      DATABASE_PREPARED_STATEMENTS: 'false',
      ...queues.env(),
      ADMIN_EMAILS: ADMIN_EMAIL,
      AUTH_PRIVATE_KEY: signingKeyPem,
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_DEFAULT: '1000000/60s',
      RATE_LIMIT_AUTH: '1000000/60s',
      RESERVATION_TTL_SECONDS: '120',
      RELAY_POLL_MS: '250',
      LOG_LEVEL: 'warn',
    };
    // The first migrates; the other two find nothing pending.
    apps.push(await startApp({ entry: 'main', env, readyTimeoutMs: 60_000 }));
    apps.push(...(await Promise.all([2, 3].map(() => startApp({ entry: 'main', env, readyTimeoutMs: 60_000 })))));
  }, 150_000);

  afterAll(async () => {
    // LOG_LEVEL warn: whatever the processes said while serving is worth seeing (the last of it).
    for (const [i, app] of apps.entries()) {
      const lines = app.output().trim().split('\n').filter(Boolean);
      if (lines.length > 0)
        console.warn(`process ${i + 1} (${lines.length} lines, last 20):\n${lines.slice(-20).join('\n')}`);
    }
    await Promise.all(apps.map((app) => app.stop()));
    await bouncer?.stop();
    await queues.cleanup();
    await db?.drop();
  }, 60_000);

  it('sells exactly 100 units to 1,000 buyers, every effect once, every pooled connection through PgBouncer', async () => {
    const admin = `Bearer ${(await adminSession(apps[0]!.url)).accessToken}`;
    const kid = ((await api().get('/.well-known/jwks.json').expect(200)).body as { keys: { kid: string }[] }).keys[0]!
      .kid;
    const customerBearer = () =>
      `Bearer ${signEdDSA(signingKeyPem, claims({ sub: randomUUID(), exp: Math.floor(Date.now() / 1000) + 600 }), { kid })}`;
    const placeOrder = (bearer: string, productId: string, key: string, paymentMethod = 'pm_card_3ds') =>
      api()
        .post('/v1/orders')
        .set('Authorization', bearer)
        .set('Idempotency-Key', key)
        .send({ lines: [{ productId, quantity: 1 }], paymentMethod });
    const stockOf = async (sku: string) =>
      (await api().get(`/v1/inventory/${sku}`).set('Authorization', admin).expect(200)).body as Stock;

    // A product inventory and ordering both know (as the e2e suite's sellableProduct makes it).
    const categoryId = (
      await api()
        .post('/v1/categories')
        .set('Authorization', admin)
        .send({ name: 'Pooled', slug: `pooled-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id as string;
    const sku = `PGB-${randomUUID().slice(0, 8)}`;
    const productId = (
      await api()
        .post('/v1/products')
        .set('Authorization', admin)
        .send({
          sku,
          name: `PgBouncer test ${sku}`,
          description: '',
          categoryId,
          price: { amount: 1500, currency: 'EUR' },
          status: 'active',
        })
        .expect(201)
    ).body.id as string;
    await eventually(
      () => api().get(`/v1/inventory/${sku}`).set('Authorization', admin),
      (r) => r.status === 200,
      { what: `inventory's stock row for ${sku}` },
    );
    const prober = customerBearer();
    const probe = await eventually(
      () => placeOrder(prober, productId, randomUUID(), 'pm_card_ok'),
      (r) => r.status === 201,
      { what: `ordering's projection of ${sku}` },
    );
    await eventually(
      () =>
        api()
          .get(`/v1/orders/${probe.body.id as string}`)
          .set('Authorization', prober),
      (r) => r.status === 200 && (r.body as Order).status === 'cancelled',
      { what: `the probe order for ${sku}` },
    );
    await api().put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: UNITS }).expect(200);

    // The sale: all at once, spread over the three processes.
    const [before] = await bouncer
      .admin<{ database: string; total_xact_count: string; total_query_count: string }>('SHOW STATS')
      .then((rows) => rows.filter((row) => row.database === bouncer.database));
    const buyers = Array.from({ length: BUYERS }, () => ({ bearer: customerBearer(), key: randomUUID() }));
    const responses = await Promise.all(buyers.map(({ bearer, key }) => placeOrder(bearer, productId, key)));
    expect(responses.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    const ids = responses.map((r) => (r.body as Order).id);
    expect(new Set(ids).size).toBe(BUYERS);

    // Every order settles (read from PostgreSQL, then each as its buyer sees it).
    await eventually(
      () =>
        db.query<{ pending: number }>(
          `SELECT count(*)::int AS pending FROM ordering.orders WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
          [ids],
        ),
      ([row]) => row?.pending === 0,
      { timeoutMs: 90_000, intervalMs: 500, what: 'every order settled' },
    );
    const outcomes: Order[] = [];
    for (let start = 0; start < BUYERS; start += 30) {
      outcomes.push(
        ...(await Promise.all(
          ids.slice(start, start + 30).map(
            async (id, i) =>
              (
                await api()
                  .get(`/v1/orders/${id}`)
                  .set('Authorization', buyers[start + i]!.bearer)
                  .expect(200)
              ).body as Order,
          ),
        )),
      );
    }
    expect(outcomes.filter((o) => o.status === 'pending')).toEqual([]);
    // Reserved: still held (3-D Secure never completed), or held until the reservation expired.
    const wasReserved = (o: Order) =>
      ['stock_reserved', 'paid', 'confirmed'].includes(o.status) || o.cancelReason === 'reservation_expired';
    expect(outcomes.filter(wasReserved)).toHaveLength(UNITS);
    expect(outcomes.filter((o) => o.status === 'cancelled' && o.cancelReason === 'out_of_stock')).toHaveLength(
      BUYERS - UNITS,
    );

    // Exactly once, as PostgreSQL has it: one order per buyer (and the probe), one idempotency key each.
    const [orders] = await db.query<{ ours: number; forProduct: number }>(
      `SELECT count(*) FILTER (WHERE id = ANY($1::uuid[]))::int AS ours, count(*)::int AS "forProduct"
         FROM ordering.orders WHERE lines @> $2::jsonb`,
      [ids, JSON.stringify([{ productId }])],
    );
    expect(orders).toEqual({ ours: BUYERS, forProduct: BUYERS + 1 });
    const [keys] = await db.query<{ completed: number; other: number }>(
      `SELECT count(*) FILTER (WHERE state = 'completed' AND response_status = 201)::int AS completed,
              count(*) FILTER (WHERE state <> 'completed' OR response_status <> 201)::int AS other
         FROM ordering.idempotency_keys WHERE key = ANY($1::text[])`,
      [buyers.map((b) => b.key)],
    );
    expect(keys).toEqual({ completed: BUYERS, other: 0 });

    // One OrderPlaced per order, each handled once by inventory; one outcome per order, each
    // handled once by ordering.
    const placed = await db.query<{ aggregate_id: string; event_id: string }>(
      `SELECT aggregate_id, event_id FROM ordering.outbox
        WHERE event_name = 'ordering.order-placed' AND aggregate_id = ANY($1::text[])`,
      [ids],
    );
    expect(placed).toHaveLength(BUYERS);
    expect(new Set(placed.map((e) => e.aggregate_id)).size).toBe(BUYERS);
    const [placedHandled] = await db.query<{ handled: number }>(
      `SELECT count(*)::int AS handled FROM inventory.inbox WHERE event_id = ANY($1::uuid[])`,
      [placed.map((e) => e.event_id)],
    );
    expect(placedHandled).toEqual({ handled: BUYERS });
    const outcomesPublished = await db.query<{ event_name: string; events: number; orders: number }>(
      `SELECT event_name, count(*)::int AS events, count(DISTINCT payload->>'orderId')::int AS orders
         FROM inventory.outbox
        WHERE event_name IN ('inventory.stock-reserved', 'inventory.stock-reservation-failed')
          AND payload->>'orderId' = ANY($1::text[])
        GROUP BY event_name ORDER BY event_name`,
      [ids],
    );
    expect(outcomesPublished).toEqual([
      { event_name: 'inventory.stock-reservation-failed', events: BUYERS - UNITS, orders: BUYERS - UNITS },
      { event_name: 'inventory.stock-reserved', events: UNITS, orders: UNITS },
    ]);
    const [outcomesHandled] = await db.query<{ handled: number }>(
      `SELECT count(*)::int AS handled FROM ordering.inbox
        WHERE event_id IN (SELECT event_id FROM inventory.outbox
                            WHERE event_name IN ('inventory.stock-reserved', 'inventory.stock-reservation-failed')
                              AND payload->>'orderId' = ANY($1::text[]))`,
      [ids],
    );
    expect(outcomesHandled).toEqual({ handled: BUYERS });
    const reservations = await db.query<{ status: string; count: number }>(
      `SELECT status, count(*)::int AS count FROM inventory.reservations
        WHERE order_id = ANY($1::uuid[]) GROUP BY status ORDER BY status`,
      [ids],
    );
    expect(reservations.reduce((sum, r) => sum + r.count, 0)).toBe(BUYERS);
    expect(reservations.find((r) => r.status === 'refused')?.count).toBe(BUYERS - UNITS);

    // Stock: reserved = the units of the reservations still held, exactly; never more than on hand.
    const ledger = await eventually(
      async () => {
        const [row] = await db.query<{ on_hand: number; reserved: number; held: number; heldOrders: number }>(
          `SELECT s.on_hand, s.reserved,
                  (SELECT coalesce(sum((line->>'quantity')::int), 0)::int
                     FROM inventory.reservations r, jsonb_array_elements(r.lines) AS line
                    WHERE r.status = 'reserved' AND line->>'sku' = s.sku) AS held,
                  (SELECT count(*)::int FROM ordering.orders
                    WHERE id = ANY($2::uuid[]) AND status = 'stock_reserved') AS "heldOrders"
             FROM inventory.stock s WHERE s.sku = $1`,
          [sku, ids],
        );
        return row!;
      },
      (row) => row.reserved === row.held && row.held === row.heldOrders,
      { timeoutMs: 30_000, what: 'stock reserved equal to the reservations still held' },
    );
    expect(ledger.on_hand).toBe(UNITS);
    expect(ledger.reserved).toBeLessThanOrEqual(UNITS);
    const stock = await stockOf(sku);
    expect(stock.onHand).toBe(UNITS);
    expect(stock.available).toBeGreaterThanOrEqual(0);
    expect(stock.reserved + stock.available).toBe(stock.onHand);

    // PgBouncer carried the traffic: the sale's transactions went through it...
    const [after] = await bouncer
      .admin<{ database: string; total_xact_count: string; total_query_count: string }>('SHOW STATS')
      .then((rows) => rows.filter((row) => row.database === bouncer.database));
    const transactions = Number(after!.total_xact_count) - Number(before!.total_xact_count);
    const queries = Number(after!.total_query_count) - Number(before!.total_query_count);
    console.log(`PgBouncer carried ${transactions} transactions, ${queries} queries during the sale`);
    expect(queries).toBeGreaterThanOrEqual(BUYERS);
    // ...from at most each process's budget of client connections...
    const clients = (await bouncer.admin<{ database: string }>('SHOW CLIENTS')).filter(
      (c) => c.database === bouncer.database,
    );
    expect(clients.length).toBeGreaterThan(0);
    expect(clients.length).toBeLessThanOrEqual(PROCESSES * POOL_SIZE);
    // ...and the processes' only sessions of their own on PostgreSQL are their LISTEN connections.
    const serversBefore = await bouncer.admin<{ database: string; remote_pid: string }>('SHOW SERVERS');
    const sessions = await db.query<{ pid: number; application_name: string }>(
      `SELECT pid, application_name FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
    );
    const serversAfter = await bouncer.admin<{ database: string; remote_pid: string }>('SHOW SERVERS');
    const pooled = new Set([...serversBefore, ...serversAfter].map((s) => Number(s.remote_pid)));
    expect(pooled.size).toBeGreaterThan(0);
    for (const pid of pooled) expect(pid).toBeGreaterThan(0);
    expect(
      sessions
        .filter((s) => !pooled.has(s.pid))
        .map((s) => s.application_name)
        .sort(),
    ).toEqual(Array.from({ length: PROCESSES }, () => 'tessera:listen'));

    // Every process is still up and ready.
    for (const app of apps) {
      expect(app.child.exitCode).toBeNull();
      await request(app.url).get('/health/ready').expect(200);
    }
  }, 240_000);
});
