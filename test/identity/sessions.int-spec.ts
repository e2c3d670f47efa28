import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { freshEmail, PASSWORD, sessionFor, type Session } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const ROUNDS = 20;

describe('sessions: token responses and refresh token families', () => {
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

  const bearer = (session: Session) => `Bearer ${session.accessToken}`;
  const login = async (email: string) =>
    (await request(app.url).post('/v1/auth/login').send({ email, password: PASSWORD }).expect(200)).body as Session;
  const refresh = (refreshToken: string) => request(app.url).post('/v1/auth/refresh').send({ refreshToken });
  const logout = (session: Session) =>
    request(app.url)
      .post('/v1/auth/logout')
      .set('Authorization', bearer(session))
      .send({ refreshToken: session.refreshToken });
  /** Lets the first request start a few milliseconds ahead, so the rounds cover both orders and the overlap. */
  const after = <T>(ms: number, send: () => PromiseLike<T>) =>
    new Promise((resolve) => setTimeout(resolve, ms)).then(send);

  it('answers login and refresh with Cache-Control: no-store, as for any response carrying tokens', async () => {
    const email = freshEmail('uncached');
    await sessionFor(app.url, email);
    const loggedIn = await request(app.url).post('/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
    expect(loggedIn.headers['cache-control']).toBe('no-store');
    const refreshed = await refresh((loggedIn.body as Session).refreshToken).expect(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
  });

  it('logout after a completed refresh revokes the refreshed token too', async () => {
    const session = await sessionFor(app.url, freshEmail('sequential'));
    const refreshed = (await refresh(session.refreshToken).expect(200)).body as Session;
    await logout(session).expect(204);
    await refresh(refreshed.refreshToken).expect(401);
  });

  it('leaves no token of the family usable after a logout that raced a refresh', async () => {
    const email = freshEmail('racer');
    await sessionFor(app.url, email);
    let survivors = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const session = await login(email);
      // Warm the verifier so logout's token check does not dominate the timing.
      await request(app.url).get('/v1/me').set('Authorization', bearer(session)).expect(200);
      const [refreshed, loggedOut] = await Promise.all([
        refresh(session.refreshToken),
        after(i % 4, () => logout(session)),
      ]);
      expect(loggedOut.status).toBe(204);
      if (refreshed.status !== 200) continue;
      if ((await refresh((refreshed.body as Session).refreshToken)).status === 200) survivors++;
    }
    expect(survivors).toBe(0);
  });

  it('kills the whole family when a replayed token races the legitimate refresh', async () => {
    const email = freshEmail('reuse');
    await sessionFor(app.url, email);
    let survivors = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const first = await login(email);
      const second = (await refresh(first.refreshToken).expect(200)).body as Session;
      // A thief replays the rotated token while the user refreshes with the current one.
      const [, legit] = await Promise.all([
        refresh(first.refreshToken),
        after(i % 4, () => refresh(second.refreshToken)),
      ]);
      if (legit.status !== 200) continue;
      if ((await refresh((legit.body as Session).refreshToken)).status === 200) survivors++;
    }
    expect(survivors).toBe(0);
  });
});
