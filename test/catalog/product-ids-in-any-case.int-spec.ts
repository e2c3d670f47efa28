import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { redisQueues } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/*
 * A UUID may be written in upper case; the product it names is the same. Two API processes
 * share the Redis tier. Neither runs the relay, so catalog's own events never come back to drop
 * cached reads: what a test sees is the command's own invalidation.
 */
describe('catalog: a product id in upper case names the same product, cache and ETag', () => {
  const queues = redisQueues(uniqueId('case'));
  let db: TestDatabase;
  let a: AppProcess;
  let b: AppProcess;
  let bearer: string;
  let categoryId: string;

  beforeAll(async () => {
    db = await createTestDatabase('idcase');
    const env = {
      DATABASE_URL: db.url,
      ...queues.env(),
      ADMIN_EMAILS: ADMIN_EMAIL,
      CACHE_TTL_SECONDS: '300',
      APP_ROLES: 'api',
    };
    [a, b] = await Promise.all([startApp({ entry: 'main', env }), startApp({ entry: 'main', env })]);
    bearer = `Bearer ${(await adminSession(a.url)).accessToken}`;
    categoryId = (
      await request(a.url)
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name: 'Case', slug: `case-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    await queues.cleanup();
  });

  const createProduct = async () =>
    (
      await request(a.url)
        .post('/v1/products')
        .set('Authorization', bearer)
        .send({
          sku: `CASE-${randomUUID().slice(0, 8)}`,
          name: 'Lamp',
          description: '',
          categoryId,
          price: { amount: 1000, currency: 'EUR' },
          status: 'active',
        })
        .expect(201)
    ).body as { id: string };
  const upper = (id: string) => `/v1/products/${id.toUpperCase()}`;
  const reprice = (app: AppProcess, path: string, etag: string, amount: number) =>
    request(app.url)
      .patch(path)
      .set('Authorization', bearer)
      .set('If-Match', etag)
      .send({ price: { amount, currency: 'EUR' } });

  it('PATCH through the upper-case id takes the ETag a read answered', async () => {
    const product = await createProduct();
    const read = await request(a.url).get(upper(product.id)).expect(200);
    expect(read.headers.etag).toBe(`"${product.id}.1"`);
    const patched = await reprice(a, upper(product.id), read.headers.etag!, 900);
    expect({ status: patched.status, etag: patched.headers.etag }).toEqual({ status: 200, etag: `"${product.id}.2"` });
    expect(patched.body).toMatchObject({ id: product.id, version: 2 });
  });

  it('a read through the upper-case id, answered from memory, sees a change made through the lower-case one', async () => {
    const product = await createProduct();
    const before = await request(a.url).get(upper(product.id)).expect(200);
    await request(a.url).get(upper(product.id)).expect(200); // now a memory hit, before Nest's pipeline
    await reprice(a, `/v1/products/${product.id}`, before.headers.etag!, 500).expect(200);
    const after = await request(a.url).get(upper(product.id)).expect(200);
    expect({ version: after.body.version, price: after.body.price.amount }).toEqual({ version: 2, price: 500 });
  });

  it('another process reading the upper-case id through Redis sees a change made through the lower-case one', async () => {
    const product = await createProduct();
    const before = await request(a.url).get(upper(product.id)).expect(200); // loaded by a, written to Redis
    await reprice(b, `/v1/products/${product.id}`, before.headers.etag!, 700).expect(200);
    const after = await request(b.url).get(upper(product.id)).expect(200);
    expect({ version: after.body.version, price: after.body.price.amount }).toEqual({ version: 2, price: 700 });
  });

  it('DELETE through the upper-case id drops what was cached under the product', async () => {
    const product = await createProduct();
    await request(b.url).get(`/v1/products/${product.id}`).expect(200);
    await request(a.url).delete(upper(product.id)).set('Authorization', bearer).expect(204);
    const read = await request(b.url).get(`/v1/products/${product.id}`).expect(200);
    expect({ status: read.body.status, version: read.body.version }).toEqual({ status: 'archived', version: 2 });
  });

  it('refuses an id that is no UUID with the same 400 as before', async () => {
    const response = await request(a.url).get('/v1/products/not-a-uuid').expect(400);
    expect(response.body).toMatchObject({
      type: 'https://tessera.dev/problems/bad-request',
      detail: 'Validation failed (uuid is expected)',
    });
  });
});
