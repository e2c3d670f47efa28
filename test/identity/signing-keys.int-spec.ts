import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { redisQueues } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe('generated signing keys (no AUTH_PRIVATE_KEY)', () => {
  const queues = redisQueues(uniqueId('keys'));
  let db: TestDatabase;
  const apps: AppProcess[] = [];
  beforeAll(async () => (db = await createTestDatabase('keys')));
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await db.drop();
    await queues.cleanup();
  });

  it('replicas started together share one generated key; rotation keeps old tokens valid everywhere', async () => {
    const env = { DATABASE_URL: db.url, ...queues.env(), ADMIN_EMAILS: ADMIN_EMAIL };
    const replicas = await Promise.all([1, 2, 3].map(() => startApp({ env })));
    apps.push(...replicas);
    const [a, b, c] = replicas as [AppProcess, AppProcess, AppProcess];
    const jwks = await Promise.all(replicas.map((r) => request(r.url).get('/.well-known/jwks.json').expect(200)));
    const kids = jwks.map((r) => (r.body.keys as { kid: string }[]).map((k) => k.kid));
    expect(kids[0]).toHaveLength(1);
    expect(kids[1]).toEqual(kids[0]);
    expect(kids[2]).toEqual(kids[0]);
    expect(await db.query('SELECT count(*)::int AS n FROM identity.signing_keys')).toEqual([{ n: 1 }]);

    // A module in another process verifies against identity's JWKS over HTTP.
    const echo = await startApp({
      args: ['--modules', 'echo'],
      env: { ...env, AUTH_JWKS_URL: `${c.url}/.well-known/jwks.json` },
    });
    apps.push(echo);

    const before = await sessionFor(a.url, freshEmail('rotation'));
    await request(b.url).get('/v1/me').set('Authorization', `Bearer ${before.accessToken}`).expect(200);
    await request(echo.url).get('/v1/echo/whoami').set('Authorization', `Bearer ${before.accessToken}`).expect(200);

    const admin = await adminSession(a.url);
    const rotated = await request(a.url)
      .post('/v1/admin/signing-keys/rotate')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .expect(200);
    expect(rotated.body.kid).not.toBe(kids[0]![0]);
    const after = await sessionFor(a.url, freshEmail('rotated'));
    expect(kidOf(after.accessToken)).toBe(rotated.body.kid);

    // Both keys are published; every process accepts old and new tokens (b and echo learn the new kid on first sight).
    const published = await request(a.url).get('/.well-known/jwks.json').expect(200);
    expect((published.body.keys as { kid: string }[]).map((k) => k.kid).sort()).toEqual(
      [rotated.body.kid, kids[0]![0]].sort(),
    );
    for (const target of [b, c]) {
      await request(target.url).get('/v1/me').set('Authorization', `Bearer ${before.accessToken}`).expect(200);
      await request(target.url).get('/v1/me').set('Authorization', `Bearer ${after.accessToken}`).expect(200);
    }
    await request(echo.url).get('/v1/echo/whoami').set('Authorization', `Bearer ${after.accessToken}`).expect(200);
    await request(echo.url).get('/v1/echo/whoami').set('Authorization', `Bearer ${before.accessToken}`).expect(200);
  });

  it('keeps a retired key published until tokens a lagging replica signed with it have expired', async () => {
    // Replicas reload their keys every 60 s: one may sign with the retired key that long after the rotation.
    const env = {
      DATABASE_URL: db.url,
      ...queues.env(),
      AUTH_ACCESS_TOKEN_TTL_SECONDS: '30',
      AUTH_CLOCK_SKEW_SECONDS: '0',
    };
    const publishedKids = async (retiredSecondsAgo: number) => {
      await db.query(
        `UPDATE identity.signing_keys SET retired_at = now() - make_interval(secs => $1) WHERE retired_at IS NOT NULL`,
        [retiredSecondsAgo],
      );
      const app = await startApp({ env });
      apps.push(app);
      const jwks = await request(app.url).get('/.well-known/jwks.json').expect(200);
      return (jwks.body.keys as { kid: string }[]).length;
    };
    // 30 s of token life past the 60 s a replica may lag: published at 45 s, gone at 120 s.
    expect(await publishedKids(45)).toBe(2);
    expect(await publishedKids(120)).toBe(1);
  });

  it('publishes UserRegistered through the outbox', async () => {
    const email = freshEmail('evented');
    await sessionFor(apps[0]!.url, email);
    const rows = await db.query<{ event_name: string; payload: { email: string } }>(
      `SELECT event_name, payload FROM identity.outbox WHERE payload->>'email' = $1`,
      [email],
    );
    expect(rows).toEqual([
      { event_name: 'identity.user-registered', payload: expect.objectContaining({ email, roles: ['customer'] }) },
    ]);
  });
});
