import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp } from '../support/app-process';
import { freePort } from '../support/free-port';
import { UNUSED_JWKS_URL } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';

/**
 * The HTTP listener is up before the module data sources have connected (the database may be
 * down at start). A read that arrives then finds a data source that is not initialized: it is
 * a 503 `database-unavailable` with `Retry-After`, as when the database drops later, never a
 * 500 ("TypeORMError: Driver not Connected").
 */
describe('catalog reads before the database is connected', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase('early')));
  afterAll(() => db.drop());

  it('503 database-unavailable until the database is there, then the usual answers', async () => {
    const proxy = new TcpProxy(await freePort(), { host: '127.0.0.1', port: 5432 });
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const app = await startApp({
      entry: 'main',
      args: ['--modules', 'catalog', '--roles', 'api'],
      env: { DATABASE_URL: url.toString(), DATABASE_CONNECT_RETRY_MS: '200', AUTH_JWKS_URL: UNUSED_JWKS_URL },
      waitForReady: false,
    });
    try {
      await app.waitForOutput(/database not reachable \(attempt 2\)/);
      const id = randomUUID();
      for (const path of [`/v1/products/${id}`, '/v1/products', '/v1/categories']) {
        const response = await request(app.url).get(path);
        expect({ path, status: response.status, type: response.body.type }).toEqual({
          path,
          status: 503,
          type: 'https://tessera.dev/problems/database-unavailable',
        });
        expect(response.headers['content-type']).toBe(PROBLEM);
        expect(response.headers['retry-after']).toBe('1');
      }
      await proxy.up();
      await app.waitForStatus('/health/ready', 200, 20_000);
      await request(app.url).get(`/v1/products/${id}`).expect(404);
      await request(app.url).get('/v1/products').expect(200);
    } finally {
      await app.stop();
      await proxy.down();
    }
  });
});
