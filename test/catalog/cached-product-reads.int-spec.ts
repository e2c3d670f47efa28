import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { catalogEventsHandled } from '../support/catalog-events';
import { ADMIN_EMAIL, adminSession, randomIp } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

function answeredEarly(metrics: string, route = '/v1/products/:id'): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`http_responses_before_pipeline_total{route="${route}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Headers that differ between any two responses, whoever answers them. */
const PER_RESPONSE = new Set(['date', 'x-request-id', 'ratelimit', 'connection', 'keep-alive']);
const comparable = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_RESPONSE.has(name)));

/**
 * A product read that hits this process's memory cache is answered before Nest's pipeline
 * (CachedProductReads); a miss goes through the controller. Both must look the same to a
 * client, and both must count against its rate limit once.
 */
describe('cached product reads answered before the Nest pipeline', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let bearer: string;
  let categoryId: string;
  const RATE_LIMIT = 3;
  // Every request names its client: each test's reads have their own rate-limit bucket.
  const as = (ip: string) => ({
    get: (path: string) => request(app.url).get(path).set('X-Forwarded-For', ip),
    post: (path: string) => request(app.url).post(path).set('X-Forwarded-For', ip).set('Authorization', bearer),
  });

  beforeAll(async () => {
    db = await createTestDatabase('cached_reads');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ADMIN_EMAILS: ADMIN_EMAIL,
        TRUST_PROXY: 'loopback',
        RATE_LIMIT_DEFAULT: `${RATE_LIMIT}/60s`,
        CACHE_TTL_SECONDS: '300',
      },
    });
    bearer = `Bearer ${(await adminSession(app.url)).accessToken}`;
    categoryId = (
      await as(randomIp())
        .post('/v1/categories')
        .send({ name: 'Fast path', slug: `fast-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id;
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const createProduct = async (status: 'active' | 'draft') => {
    const created = (
      await as(randomIp())
        .post('/v1/products')
        .send({
          sku: `F-${randomUUID().slice(0, 8)}`,
          name: 'Fast lamp',
          description: 'served from memory',
          categoryId,
          price: { amount: 2500, currency: 'EUR' },
          attributes: { colour: 'amber' },
          status,
        })
        .expect(201)
    ).body as { id: string; version: number };
    await catalogEventsHandled(db, created.id);
    return created;
  };

  it('answers a cache hit with the status, headers and bytes the controller answered the miss with', async () => {
    const product = await createProduct('active');
    const client = as(randomIp());
    const early = answeredEarly((await client.get('/metrics').expect(200)).text);
    const miss = await client.get(`/v1/products/${product.id}`).expect(200);
    expect(answeredEarly((await client.get('/metrics')).text)).toBe(early);
    const hit = await client.get(`/v1/products/${product.id}`).expect(200);
    expect(answeredEarly((await client.get('/metrics')).text)).toBe(early + 1);
    expect(hit.text).toBe(miss.text);
    expect(comparable(hit.headers)).toEqual(comparable(miss.headers));
    expect(hit.headers['etag']).toBe(`"${product.id}.${product.version}"`);
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hit.headers['x-content-type-options']).toBe('nosniff');
    expect(hit.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(hit.headers['ratelimit']).toMatch(new RegExp(`^"default";r=${RATE_LIMIT - 2};t=\\d+$`));

    const traced = await client.get(`/v1/products/${product.id}`).set('X-Request-Id', 'trace-123').expect(200);
    expect(traced.headers['x-request-id']).toBe('trace-123');
  });

  it('answers 304 to If-None-Match on a hit as on a miss', async () => {
    const product = await createProduct('active');
    const etag = `"${product.id}.${product.version}"`;
    const client = as(randomIp());
    const miss = await client.get(`/v1/products/${product.id}`).set('If-None-Match', etag).expect(304);
    const hit = await client.get(`/v1/products/${product.id}`).set('If-None-Match', `W/${etag}`).expect(304);
    expect(hit.text).toBe('');
    expect(comparable(hit.headers)).toEqual(comparable(miss.headers));
    expect(hit.headers['etag']).toBe(etag);
  });

  it('counts every read once against the rate limit, a hit or a miss, and refuses the one over it', async () => {
    const product = await createProduct('active');
    const client = as(randomIp());
    const responses = [];
    for (let i = 0; i <= RATE_LIMIT; i++) responses.push(await client.get(`/v1/products/${product.id}`));
    // The first read misses (the controller answers), the next hit the cache; a miss counted twice would refuse the third.
    expect(responses.map((r) => r.status)).toEqual([...Array(RATE_LIMIT).fill(200), 429]);
    const refused = responses[RATE_LIMIT]!;
    expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(refused.body.type).toMatch(/too-many-requests$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['ratelimit']).toMatch(/^"default";r=0;t=\d+$/);
  });

  it('leaves reads with a consistency token to the pipeline, which reads at least that fresh', async () => {
    const product = await createProduct('active');
    const client = as(randomIp());
    await client.get(`/v1/products/${product.id}`).expect(200);
    const early = answeredEarly((await client.get('/metrics')).text);
    const fresh = await client.get(`/v1/products/${product.id}`).set('Consistency-Token', '0/1').expect(200);
    expect(fresh.headers['etag']).toBe(`"${product.id}.${product.version}"`);
    expect(answeredEarly((await client.get('/metrics')).text)).toBe(early);
  });

  it('answers a list page again from the cache once the controller has validated and answered its URL', async () => {
    const product = await createProduct('active');
    const client = as(randomIp()); // three reads: the rate limit
    const url = `/v1/products?category=${categoryId}&sort=price_asc&limit=50`;
    const early = () => client.get('/metrics').then((r) => answeredEarly(r.text, '/v1/products'));
    const before = await early();
    const miss = await client.get(url).expect(200);
    expect(miss.body.items.map((p: { id: string }) => p.id)).toContain(product.id);
    expect(await early()).toBe(before);
    const hit = await client.get(url).expect(200);
    expect(await early()).toBe(before + 1);
    expect(hit.text).toBe(miss.text);
    expect(comparable(hit.headers)).toEqual(comparable(miss.headers));
    await client.get(url).set('If-None-Match', miss.headers['etag']!).expect(304);
    expect(await early()).toBe(before + 2);

    // A product change clears the cached pages: the next read is the controller's, with the change.
    const added = await createProduct('active');
    const changed = await as(randomIp()).get(url).expect(200);
    expect(changed.body.items.map((p: { id: string }) => p.id)).toContain(added.id);
    expect(changed.headers['etag']).not.toBe(miss.headers['etag']);
    expect(await early()).toBe(before + 2);

    // A URL the controller refused is refused every time.
    const another = as(randomIp());
    for (let i = 0; i < 2; i++) await another.get('/v1/products?limit=1000').expect(400);
    expect(await early()).toBe(before + 2);
  });

  it('never serves a draft, cached or not', async () => {
    const draft = await createProduct('draft');
    const client = as(randomIp());
    const early = answeredEarly((await client.get('/metrics').expect(200)).text);
    for (let i = 0; i < 2; i++) {
      const response = await client.get(`/v1/products/${draft.id}`).expect(404);
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    }
    expect(answeredEarly((await client.get('/metrics')).text)).toBe(early);
  });
});
