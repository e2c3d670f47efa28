import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { ADMIN_EMAIL, adminSession, freshEmail, PASSWORD, sessionFor, type Session } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const FORBIDDEN = 'https://tessera.dev/problems/forbidden';

describe('the admin routes of identity', () => {
  let db: TestDatabase;
  let app: AppProcess;
  beforeAll(async () => {
    db = await createTestDatabase('admin_users');
    app = await startApp({ env: { DATABASE_URL: db.url, ADMIN_EMAILS: ADMIN_EMAIL } });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  const bearer = (session: Session) => `Bearer ${session.accessToken}`;
  const idOf = async (session: Session) =>
    (await request(app.url).get('/v1/me').set('Authorization', bearer(session)).expect(200)).body.id as string;
  const rolesOf = async (email: string) =>
    (
      await request(app.url)
        .get('/v1/me')
        .set('Authorization', bearer(await sessionFor(app.url, email)))
        .expect(200)
    ).body.roles as string[];
  const setAdmin = (session: Session, userId: string, grant: boolean) =>
    request(app.url)
      [grant ? 'put' : 'delete'](`/v1/admin/users/${userId}/roles/admin`)
      .set('Authorization', bearer(session));
  const admins = async () =>
    (
      await db.query<{ email: string }>(`SELECT email FROM identity.users WHERE 'admin' = ANY (roles) ORDER BY email`)
    ).map((row) => row.email);

  it("refuses every admin write to a demoted admin's still-valid access token", async () => {
    const root = await adminSession(app.url);
    const rootId = await idOf(root);
    const email = freshEmail('deputy');
    const deputyId = await idOf(await sessionFor(app.url, email));
    await setAdmin(root, deputyId, true).expect(200);
    // The deputy logs in as an admin; then the role is taken away, its access token still says admin.
    const deputy = await sessionFor(app.url, email);
    expect((await setAdmin(root, deputyId, false).expect(200)).body.roles).toEqual(['customer']);

    const regrant = await setAdmin(deputy, deputyId, true);
    const coup = await setAdmin(deputy, rootId, false);
    const rotate = await request(app.url).post('/v1/admin/signing-keys/rotate').set('Authorization', bearer(deputy));
    expect([regrant, coup, rotate].map((r) => [r.status, r.body.type])).toEqual([
      [403, FORBIDDEN],
      [403, FORBIDDEN],
      [403, FORBIDDEN],
    ]);
    expect(regrant.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(await rolesOf(email)).toEqual(['customer']);
    expect(await rolesOf(ADMIN_EMAIL)).toEqual(['customer', 'admin']);
    expect(await db.query('SELECT count(*)::int AS n FROM identity.signing_keys')).toEqual([{ n: 1 }]);
  });

  it('keeps the last admin an admin (409 last-admin), even when two admins give the role up at once', async () => {
    const root = await adminSession(app.url);
    const rootId = await idOf(root);
    expect(await admins()).toEqual([ADMIN_EMAIL]);
    const alone = await setAdmin(root, rootId, false).expect(409);
    expect(alone.body).toMatchObject({ type: 'https://tessera.dev/problems/last-admin', status: 409 });

    const email = freshEmail('second');
    const secondId = await idOf(await sessionFor(app.url, email));
    await setAdmin(root, secondId, true).expect(200);
    const second = await sessionFor(app.url, email);
    const statuses = await Promise.all([setAdmin(root, rootId, false), setAdmin(second, secondId, false)]);
    expect(statuses.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await admins()).toHaveLength(1);

    // Back to the root admin alone, for the tests after this one.
    const [left] = await admins();
    if (left !== ADMIN_EMAIL) {
      await setAdmin(second, rootId, true).expect(200);
      await setAdmin(root, secondId, false).expect(200);
    }
    expect(await admins()).toEqual([ADMIN_EMAIL]);
  });

  it('pages through the accounts without repeating or skipping one', async () => {
    for (let i = 0; i < 5; i++) {
      await request(app.url)
        .post('/v1/auth/register')
        .send({ email: freshEmail('paged'), password: PASSWORD })
        .expect(201);
    }
    const admin = await adminSession(app.url);
    const all = await request(app.url).get('/v1/admin/users?limit=200').set('Authorization', bearer(admin)).expect(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const url: string = `/v1/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await request(app.url).get(url).set('Authorization', bearer(admin)).expect(200);
      seen.push(...(response.body.items as { id: string }[]).map((u) => u.id));
      cursor = response.body.next as string | null;
      if (!cursor) break;
    }
    // Accounts created within one millisecond are told apart by the microseconds PostgreSQL keeps.
    expect(seen).toEqual((all.body.items as { id: string }[]).map((u) => u.id));
    const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', seen[0]])).toString('base64url');
    const malformed = await request(app.url)
      .get(`/v1/admin/users?cursor=${forged}`)
      .set('Authorization', bearer(admin))
      .expect(400);
    expect(malformed.body.errors).toEqual([{ field: 'cursor', message: 'cursor is malformed' }]);
  });
});
