import { generateKeyPairSync, randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { claims, signEdDSA } from '../support/forge-token';
import { queueBackends } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const BUDGET = 8;
const LOAD_MS = 10_000;
const CLIENTS = 30;

/**
 * One process with every module and role, under reads, orders and the saga's events at once,
 * holds at most its budget plus its one LISTEN connection, on either queue backend.
 */
describe.each(queueBackends())('the connection budget of one full process ($name queues)', (backend) => {
  let db: TestDatabase;
  let app: AppProcess;
  const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  beforeAll(async () => {
    db = await createTestDatabase(`budget_${backend.name}`);
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        DATABASE_POOL_SIZE: String(BUDGET),
        ADMIN_EMAILS: ADMIN_EMAIL,
        AUTH_PRIVATE_KEY: signingKeyPem,
        RELAY_POLL_MS: '200',
        LOG_LEVEL: 'warn',
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  /** Connections of the app in pg_stat_activity, by application name. */
  const held = async () => {
    const rows = await db.query<{ name: string; n: number }>(
      `SELECT application_name AS name, count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE 'tessera:%' GROUP BY 1`,
    );
    return {
      total: rows.reduce((sum, row) => sum + row.n, 0),
      byName: Object.fromEntries(rows.map((r) => [r.name, r.n])),
    };
  };

  it(`never holds more than DATABASE_POOL_SIZE + 1 connections`, async () => {
    const admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    const categoryId = (
      await request(app.url)
        .post('/v1/categories')
        .set('Authorization', admin)
        .send({ name: 'Budget', slug: `budget-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id as string;
    const products = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const sku = `BUD-${i}-${randomUUID().slice(0, 6)}`;
        const product = await request(app.url)
          .post('/v1/products')
          .set('Authorization', admin)
          .send({
            sku,
            name: `Budget ${sku}`,
            description: '',
            categoryId,
            price: { amount: 900, currency: 'EUR' },
            status: 'active',
          })
          .expect(201);
        await eventually(
          () => request(app.url).put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand: 100_000 }),
          (res) => res.status === 200,
          { what: `inventory's stock row for ${sku}` },
        );
        await eventually(
          () => db.query(`SELECT 1 FROM ordering.products WHERE product_id = $1`, [product.body.id]),
          (rows) => rows.length === 1,
          { what: `ordering's copy of ${sku}` },
        );
        return product.body.id as string;
      }),
    );
    const kid = ((await request(app.url).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] }).keys[0]!
      .kid;
    const customers = Array.from(
      { length: CLIENTS },
      () =>
        `Bearer ${signEdDSA(signingKeyPem, claims({ sub: randomUUID(), exp: Math.floor(Date.now() / 1000) + 600 }), { kid })}`,
    );

    let most = { total: 0, byName: {} as Record<string, number> };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = await held();
        if (now.total > most.total) most = now;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const statuses = new Map<number, number>();
    const refusals = new Set<string>();
    const orders: { bearer: string; id: string }[] = [];
    const until = Date.now() + LOAD_MS;
    await Promise.all(
      customers.map(async (bearer, client) => {
        for (let i = 0; Date.now() < until; i++) {
          const productId = products[(client + i) % products.length]!;
          const res = await [
            () => request(app.url).get('/v1/products?limit=20'),
            () => request(app.url).get(`/v1/products/${productId}`),
            () =>
              request(app.url)
                .post('/v1/orders')
                .set('Authorization', bearer)
                .set('Idempotency-Key', randomUUID())
                .send({ lines: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_ok' }),
          ][i % 3]!();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 400) refusals.add(`${res.status} ${res.text.slice(0, 300)}`);
          if (res.status === 201) orders.push({ bearer, id: (res.body as { id: string }).id });
        }
      }),
    );
    // The saga's tail: every order reserved and charged, while the sampler keeps counting.
    await eventually(
      () =>
        db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ordering.orders WHERE id = ANY($1::uuid[]) AND status IN ('pending', 'stock_reserved')`,
          [orders.map((o) => o.id)],
        ),
      ([row]) => row!.n === 0,
      { what: 'every order through the saga', timeoutMs: 120_000 },
    );
    sampling = false;
    await sampler;

    expect([...refusals]).toEqual([]);
    expect(orders.length).toBeGreaterThan(50);
    process.stdout.write(
      `${backend.name} queues: ${orders.length} orders, most connections held at once ${most.total} ${JSON.stringify(most.byName)}\n`,
    );
    expect(most.total).toBeLessThanOrEqual(BUDGET + 1);
    expect(most.byName['tessera:listen'] ?? 0).toBeLessThanOrEqual(1);
  }, 240_000);
});
