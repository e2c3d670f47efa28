import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { freshEmail, PASSWORD, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('brute-force protection and rate limit switches', () => {
  let db: TestDatabase;
  let app: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase('brute');
    app = await startApp({
      env: { DATABASE_URL: db.url, LOGIN_SLOWDOWN_AFTER: '2', LOGIN_LOCK_AFTER: '4', LOGIN_LOCK_MINUTES: '5' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const login = async (email: string, password: string) => {
    const started = performance.now();
    const response = await request(app.url).post('/v1/auth/login').send({ email, password });
    return { status: response.status, ms: performance.now() - started, type: response.body.type as string | undefined };
  };

  it('slows repeated failures down, then locks the account even for the right password', async () => {
    const email = freshEmail('victim');
    await sessionFor(app.url, email);
    await login(email, 'wrong password 1');
    await login(email, 'wrong password 2');
    const slowed = await login(email, 'wrong password 3');
    expect(slowed.status).toBe(401);
    // The third failure waits 250 ms before answering: a lower bound, whatever else the machine is doing
    // (a difference from an unslowed attempt is not: a cold first attempt can take longer).
    expect(slowed.ms).toBeGreaterThanOrEqual(250);
    await login(email, 'wrong password 4');
    const locked = await login(email, PASSWORD);
    expect(locked).toMatchObject({ status: 401, type: 'https://tessera.dev/problems/invalid-credentials' });
    const rows = await db.query<{ count: number; locked: boolean }>(
      `SELECT count, locked_until > now() AS locked FROM identity.login_failures WHERE email = $1`,
      [email],
    );
    expect(rows).toEqual([{ count: 4, locked: true }]);
  });

  it('checks no more passwords than the lock allows, however many attempts arrive at once', async () => {
    const email = freshEmail('stormed');
    await sessionFor(app.url, email);
    const attempts = await Promise.all(Array.from({ length: 16 }, (_, i) => login(email, `wrong guess ${i}`)));
    expect(attempts.map((a) => a.type)).toEqual(Array(16).fill('https://tessera.dev/problems/invalid-credentials'));
    // Each counted failure is a password checked against the hash; the others were refused by the lock.
    const rows = await db.query<{ count: number; locked: boolean }>(
      `SELECT count, locked_until > now() AS locked FROM identity.login_failures WHERE email = $1`,
      [email],
    );
    expect(rows).toEqual([{ count: 4, locked: true }]);
    expect((await login(email, PASSWORD)).status).toBe(401);
  });

  it('treats an unknown email the same way, so a lock reveals nothing', async () => {
    const nobody = freshEmail('nobody');
    for (let i = 0; i < 4; i++) expect((await login(nobody, `guess ${i}`)).status).toBe(401);
    expect(await db.query(`SELECT count FROM identity.login_failures WHERE email = $1`, [nobody])).toEqual([
      { count: 4 },
    ]);
  });

  it('a successful login clears the failures', async () => {
    const email = freshEmail('forgetful');
    await sessionFor(app.url, email);
    await login(email, 'wrong password');
    expect((await login(email, PASSWORD)).status).toBe(200);
    expect(await db.query(`SELECT count FROM identity.login_failures WHERE email = $1`, [email])).toEqual([]);
  });

  it('RATE_LIMIT_ENABLED=false sends no rate-limit fields and never 429s', async () => {
    const open = await startApp({
      env: { DATABASE_URL: db.url, RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_AUTH: '1/60s' },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await request(open.url).post('/v1/auth/refresh').send({ refreshToken: 'nope' }).expect(401);
        expect(response.headers['ratelimit']).toBeUndefined();
      }
    } finally {
      await open.stop();
    }
    const limited = await startApp({ env: { DATABASE_URL: db.url, RATE_LIMIT_AUTH: '1/60s' } });
    try {
      await request(limited.url).post('/v1/auth/refresh').send({ refreshToken: 'nope' }).expect(401);
      await request(limited.url).post('/v1/auth/refresh').send({ refreshToken: 'nope' }).expect(429);
    } finally {
      await limited.stop();
    }
  });
});
