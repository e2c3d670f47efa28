import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { startDisposablePostgres, type DisposablePostgres } from '../support/disposable-services';
import { redisQueues } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { stockedProduct } from '../support/stocked-product';

const TTL_SECONDS = 1;
const STALE_SECONDS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Catalogue reads while PostgreSQL is down: an entry past its TTL still answers for
 * CACHE_STALE_IF_ERROR_SECONDS, from memory (docs/decisions/0043); what the cache never held,
 * and anything past that window, is refused with 503.
 */
describe('catalog reads while the database is down', () => {
  const queues = redisQueues();
  let postgres: DisposablePostgres;
  let app: AppProcess;
  let productId: string;

  beforeAll(async () => {
    postgres = await startDisposablePostgres();
    const databaseUrl = await postgres.createDatabase('tessera');
    app = await startApp({
      readyTimeoutMs: 90_000,
      env: {
        DATABASE_URL: databaseUrl,
        ...queues.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        CACHE_TTL_SECONDS: String(TTL_SECONDS),
        CACHE_STALE_IF_ERROR_SECONDS: String(STALE_SECONDS),
        LOG_LEVEL: 'warn',
      },
    });
    const bearer = `Bearer ${(await adminSession(app.url)).accessToken}`;
    ({ productId } = await stockedProduct(app.url, bearer, { label: 'Stale', onHand: 1 }));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await queues.cleanup();
    await postgres?.destroy();
  });

  it('answers what it read before, past the TTL, until the stale window ends', async () => {
    const product = (await request(app.url).get(`/v1/products/${productId}`).expect(200)).body as { id: string };
    const page = (await request(app.url).get('/v1/products?limit=5').expect(200)).body as unknown;
    await postgres.stop();
    const stoppedAt = Date.now();
    await sleep(TTL_SECONDS * 1200 + 300);

    const read = await request(app.url).get(`/v1/products/${productId}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(product);
    expect((await request(app.url).get('/v1/products?limit=5').expect(200)).body).toEqual(page);
    const unknown = await request(app.url).get('/v1/products/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(503);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    const metrics = (await request(app.url).get('/metrics')).text;
    expect(metrics).toMatch(/^cache_stale_served_total\{cache="catalog:product"\} [1-9]/m);
    // What TesseraDatabaseUnreachable fires on.
    expect(metrics).toContain('readiness_check_up{check="database"} 0');

    await sleep(Math.max(0, stoppedAt + (TTL_SECONDS * 1.2 + STALE_SECONDS) * 1000 + 500 - Date.now()));
    const late = await request(app.url).get(`/v1/products/${productId}`);
    expect(late.status).toBe(503);
    expect(late.headers['content-type']).toMatch(/^application\/problem\+json/);

    await postgres.start();
  });
});
