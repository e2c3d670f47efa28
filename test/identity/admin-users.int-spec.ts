import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { ADMIN_EMAIL, adminSession, freshEmail, PASSWORD, type Session } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

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
