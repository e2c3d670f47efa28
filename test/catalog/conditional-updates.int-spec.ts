import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** `PATCH /v1/products/:id` and `If-Match` as RFC 9110 §13.1.1 has it. */
describe('catalog: If-Match on a product update', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let bearer: string;
  let categoryId: string;

  beforeAll(async () => {
    db = await createTestDatabase('ifmatch');
    app = await startApp({ entry: 'main', env: { DATABASE_URL: db.url, ADMIN_EMAILS: ADMIN_EMAIL } });
    bearer = `Bearer ${(await adminSession(app.url)).accessToken}`;
    categoryId = (
      await request(app.url)
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name: 'Preconditions', slug: `pre-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  /** A product at version 2: its ETag `"<id>.2"`, and `"<id>.1"` a stale one. */
  const productAtVersion2 = async () => {
    const created = await request(app.url)
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: `PRE-${randomUUID().slice(0, 8)}`,
        name: 'Lamp',
        description: '',
        categoryId,
        price: { amount: 1000, currency: 'EUR' },
        status: 'active',
      })
      .expect(201);
    const id = created.body.id as string;
    await rename(id, created.headers.etag).expect(200);
    return { id, current: `"${id}.2"`, stale: `"${id}.1"` };
  };
  const rename = (id: string, ifMatch: string | undefined, name = `Lamp ${randomUUID().slice(0, 4)}`) => {
    const patch = request(app.url).patch(`/v1/products/${id}`).set('Authorization', bearer);
    return (ifMatch === undefined ? patch : patch.set('If-Match', ifMatch)).send({ name });
  };
  const problemType = (slug: string) => `https://tessera.dev/problems/${slug}`;

  it('`*` matches whatever version the product is at', async () => {
    const product = await productAtVersion2();
    const response = await rename(product.id, '*', 'Star');
    expect({ status: response.status, etag: response.headers.etag, name: response.body.name }).toEqual({
      status: 200,
      etag: `"${product.id}.3"`,
      name: 'Star',
    });
  });

  it('a list matches when any of its strong tags is the current ETag', async () => {
    const product = await productAtVersion2();
    const other = `"${randomUUID()}.2"`;
    for (const [ifMatch, version] of [
      [`${product.stale}, ${product.current}`, 3],
      [`${other},${product.current.replace('.2"', '.3"')}`, 4],
      [`W/${product.stale} , "${product.id}.4" , ${other}`, 5],
    ] as const) {
      const response = await rename(product.id, ifMatch);
      expect({ ifMatch, status: response.status, version: response.body.version }).toEqual({
        ifMatch,
        status: 200,
        version,
      });
    }
  });

  it('412 when no strong tag of the list is current; a weak tag never matches', async () => {
    const product = await productAtVersion2();
    for (const ifMatch of [
      product.stale,
      `${product.stale}, "${randomUUID()}.2"`,
      `W/${product.current}`,
      `W/${product.current}, ${product.stale}`,
      `*, ${product.current}`,
      'garbage',
    ]) {
      const response = await rename(product.id, ifMatch);
      expect({ ifMatch, status: response.status, type: response.body.type }).toEqual({
        ifMatch,
        status: 412,
        type: problemType('precondition-failed'),
      });
    }
    const unchanged = await request(app.url).get(`/v1/products/${product.id}`).expect(200);
    expect(unchanged.body.version).toBe(2);
  });

  it('428 without If-Match, or with an empty one', async () => {
    const product = await productAtVersion2();
    for (const ifMatch of [undefined, '']) {
      const response = await rename(product.id, ifMatch);
      expect({ status: response.status, type: response.body.type }).toEqual({
        status: 428,
        type: problemType('precondition-required'),
      });
    }
  });

  it('`*` does not make a product that does not exist', async () => {
    const response = await rename(randomUUID(), '*');
    expect({ status: response.status, type: response.body.type }).toEqual({
      status: 404,
      type: problemType('product-not-found'),
    });
  });
});
