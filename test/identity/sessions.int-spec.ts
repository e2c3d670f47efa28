import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { freshEmail, PASSWORD, sessionFor, type Session } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('sessions', () => {
  let db: TestDatabase;
  let app: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase('sessions');
    app = await startApp({ env: { DATABASE_URL: db.url } });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const refresh = (refreshToken: string) => request(app.url).post('/v1/auth/refresh').send({ refreshToken });

  it('answers login and refresh with Cache-Control: no-store, as for any response carrying tokens', async () => {
    const email = freshEmail('uncached');
    await sessionFor(app.url, email);
    const loggedIn = await request(app.url).post('/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
    expect(loggedIn.headers['cache-control']).toBe('no-store');
    const refreshed = await refresh((loggedIn.body as Session).refreshToken).expect(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
  });
});
