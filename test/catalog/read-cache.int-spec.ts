import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { catalogEventsHandled } from '../support/catalog-events';
import { eventually } from '../support/eventually';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { redisQueues } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('catalog read cache across three app replicas (memory + Redis tiers)', () => {
  const prefix = uniqueId('cache');
  const queues = redisQueues(prefix);
  let db: TestDatabase;
  let replicas: AppProcess[];
  let bearer: string;
  let categoryId: string;

  beforeAll(async () => {
    db = await createTestDatabase('cache');
    const env = {
      DATABASE_URL: db.url,
      ...queues.env(),
      ADMIN_EMAILS: ADMIN_EMAIL,
      CACHE_TTL_SECONDS: '300',
    };
    replicas = await Promise.all([1, 2, 3].map(() => startApp({ env })));
    bearer = `Bearer ${(await adminSession(replicas[0]!.url)).accessToken}`;
    categoryId = (
      await request(replicas[0]!.url)
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name: 'Cache', slug: `cache-${prefix.toLowerCase().replace(/_/g, '-')}` })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.stop()));
    await db?.drop();
    await queues.cleanup();
  });

  const createProduct = async () => {
    const created = await request(replicas[0]!.url)
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: `C-${randomUUID().slice(0, 8)}`,
        name: 'Cached lamp',
        description: '',
        categoryId,
        price: { amount: 1000, currency: 'EUR' },
        status: 'active',
      })
      .expect(201);
    await catalogEventsHandled(db, (created.body as { id: string }).id);
    // Every invalidation deletes the Redis entry once more 500 ms later (REDELETE_AFTER_MS in
    // libs/cache): a test that counts Redis hits starts after the last of those.
    await new Promise((resolve) => setTimeout(resolve, 600));
    return created;
  };

  it('100 concurrent requests for one uncached product read the database once per process', async () => {
    const product = (await createProduct()).body as { id: string };
    const [, b, c] = replicas as [AppProcess, AppProcess, AppProcess];
    const missesBefore = await Promise.all(
      [b, c].map(async (r) =>
        metric((await request(r.url).get('/metrics')).text, 'cache_misses_total', 'cache="catalog:product"'),
      ),
    );
    const burst = (r: AppProcess) =>
      Promise.all(Array.from({ length: 100 }, () => request(r.url).get(`/v1/products/${product.id}`)));
    for (const response of await burst(b)) expect(response.status).toBe(200);
    for (const response of await burst(c)) expect(response.status).toBe(200);
    const missesAfter = await Promise.all(
      [b, c].map(async (r) =>
        metric((await request(r.url).get('/metrics')).text, 'cache_misses_total', 'cache="catalog:product"'),
      ),
    );
    expect(missesAfter[0]! - missesBefore[0]!).toBe(1); // b loaded it
    expect(missesAfter[1]! - missesBefore[1]!).toBe(0); // c found it in Redis
    const metrics = (await request(c.url).get('/metrics')).text;
    expect(metric(metrics, 'cache_hits_total', 'cache="catalog:product",tier="redis"')).toBeGreaterThan(0);
    expect(metric(metrics, 'cache_hits_total', 'cache="catalog:product",tier="memory"')).toBeGreaterThan(0);
  });

  it('an update through one replica is what every other replica serves within a second', async () => {
    const product = (await createProduct()).body as { id: string; version: number };
    for (const r of replicas) await request(r.url).get(`/v1/products/${product.id}`).expect(200); // warm every memory tier
    const current = await request(replicas[0]!.url).get(`/v1/products/${product.id}`).expect(200);
    const updatedAt = Date.now();
    await request(replicas[0]!.url)
      .patch(`/v1/products/${product.id}`)
      .set('Authorization', bearer)
      .set('If-Match', current.headers.etag!)
      .send({ name: 'Renamed lamp' })
      .expect(200);
    for (const r of replicas.slice(1)) {
      for (;;) {
        const seen = await request(r.url).get(`/v1/products/${product.id}`).expect(200);
        if (seen.body.name === 'Renamed lamp') break;
        expect(Date.now() - updatedAt).toBeLessThan(1000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(Date.now() - updatedAt).toBeLessThan(1000);
  });

  it("a read with the write's Consistency-Token sees the write at once, on any replica", async () => {
    const product = (await createProduct()).body as { id: string };
    for (const r of replicas) await request(r.url).get(`/v1/products/${product.id}`).expect(200);
    const current = await request(replicas[1]!.url).get(`/v1/products/${product.id}`).expect(200);
    const patched = await request(replicas[1]!.url)
      .patch(`/v1/products/${product.id}`)
      .set('Authorization', bearer)
      .set('If-Match', current.headers.etag!)
      .send({ price: { amount: 1234, currency: 'EUR' } })
      .expect(200);
    const token = patched.headers['consistency-token'];
    expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    for (const r of replicas) {
      const seen = await request(r.url).get(`/v1/products/${product.id}`).set('Consistency-Token', token!).expect(200);
      expect(seen.body.price.amount).toBe(1234);
    }
  });

  it('drops cached reads when a product event arrives, even for a change whose writer never invalidated', async () => {
    const product = (await createProduct()).body as { id: string; sku: string; categoryId: string };
    for (const r of replicas) await request(r.url).get(`/v1/products/${product.id}`).expect(200);
    // A change committed with its event, as by a process that died before invalidating.
    await db.query(`UPDATE catalog.products SET name = 'Changed behind the cache', version = 2 WHERE id = $1`, [
      product.id,
    ]);
    await db.query(
      `INSERT INTO catalog.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload)
       VALUES ($1, 'catalog.product-updated', 1, $2, 2, $3)`,
      [
        randomUUID(),
        product.id,
        JSON.stringify({
          productId: product.id,
          sku: product.sku,
          name: 'Changed behind the cache',
          categoryId,
          price: { amount: 1000, currency: 'EUR' },
          status: 'active',
        }),
      ],
    );
    await db.query(`SELECT pg_notify('tessera_outbox', 'catalog')`);
    for (const r of replicas) {
      const seen = await eventually(
        () => request(r.url).get(`/v1/products/${product.id}`),
        (res) => res.body.name === 'Changed behind the cache',
        { timeoutMs: 10_000 },
      );
      expect(seen.body.version).toBe(2);
    }
  });

  it('drops the cached reads of a whole burst of product events, on every replica', async () => {
    const products = [];
    for (let i = 0; i < 12; i++) products.push((await createProduct()).body as { id: string; sku: string });
    for (const r of replicas)
      for (const product of products) await request(r.url).get(`/v1/products/${product.id}`).expect(200);
    await db.query(`UPDATE catalog.products SET name = 'Changed in a burst', version = 2 WHERE id = ANY($1::uuid[])`, [
      products.map((p) => p.id),
    ]);
    // All the events in one transaction: the relay sends them in one batch, the inbox takes them together.
    const values = products.flatMap((product) => [
      randomUUID(),
      product.id,
      JSON.stringify({
        productId: product.id,
        sku: product.sku,
        name: 'Changed in a burst',
        categoryId,
        price: { amount: 1000, currency: 'EUR' },
        status: 'active',
      }),
    ]);
    await db.query(
      `WITH written AS (
         INSERT INTO catalog.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload)
         SELECT e.id, 'catalog.product-updated', 1, e.product_id, 2, e.payload
           FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS e(id, product_id, payload))
       SELECT pg_notify('tessera_outbox', 'catalog')`,
      [
        values.filter((_, i) => i % 3 === 0),
        values.filter((_, i) => i % 3 === 1),
        values.filter((_, i) => i % 3 === 2),
      ],
    );
    for (const r of replicas)
      for (const product of products)
        await eventually(
          () => request(r.url).get(`/v1/products/${product.id}`),
          (res) => res.body.name === 'Changed in a burst' && res.body.version === 2,
          { timeoutMs: 10_000, what: `product ${product.id} fresh on ${r.url}` },
        );
  });
});
