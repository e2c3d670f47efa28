import { generateKeyPairSync, randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { claims, signEdDSA, type Claims } from '../support/forge-token';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { redisQueues } from '../support/queue-backends';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const PROBLEM = 'application/problem+json; charset=utf-8';

/**
 * A deployment whose signing key is the AUTH_PRIVATE_KEY setting: the tests hold the key, so
 * they can sign tokens exactly as identity would, with claims identity would never issue.
 */
describe('a signing key that is a setting (AUTH_PRIVATE_KEY)', () => {
  const queues = redisQueues(uniqueId('keyset'));
  let db: TestDatabase;
  let app: AppProcess;
  let kid: string;
  const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const forge = (overrides: Claims | Record<string, unknown>) =>
    `Bearer ${signEdDSA(signingKeyPem, { ...claims(), ...overrides } as Claims, { kid })}`;

  beforeAll(async () => {
    db = await createTestDatabase('keyset');
    app = await startApp({
      entry: 'main',
      args: ['--modules', 'identity'],
      env: {
        DATABASE_URL: db.url,
        ...queues.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        AUTH_PRIVATE_KEY: signingKeyPem,
      },
    });
    kid = ((await request(app.url).get('/.well-known/jwks.json').expect(200)).body as { keys: { kid: string }[] })
      .keys[0]!.kid;
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    await queues.cleanup();
  });

  it('refuses to rotate it: 409 signing-key-managed-by-setting, and keeps signing with it', async () => {
    const admin = await adminSession(app.url);
    const refused = await request(app.url)
      .post('/v1/admin/signing-keys/rotate')
      .set('Authorization', `Bearer ${admin.accessToken}`)
      .expect(409);
    expect(refused.headers['content-type']).toBe(PROBLEM);
    expect(refused.body).toMatchObject({
      type: 'https://tessera.dev/problems/signing-key-managed-by-setting',
      status: 409,
      detail: expect.stringContaining('AUTH_PRIVATE_KEY'),
    });
    const jwks = await request(app.url).get('/.well-known/jwks.json').expect(200);
    expect((jwks.body as { keys: { kid: string }[] }).keys.map((key) => key.kid)).toEqual([kid]);
    expect(await db.query('SELECT count(*)::int AS n FROM identity.signing_keys')).toEqual([{ n: 0 }]);
    // Customers may not even ask.
    const customer = await sessionFor(app.url, freshEmail('rotate'));
    await request(app.url)
      .post('/v1/admin/signing-keys/rotate')
      .set('Authorization', `Bearer ${customer.accessToken}`)
      .expect(403);
  });

  it('accepts a token signed as identity signs them (so the refusals below mean something)', async () => {
    const session = await sessionFor(app.url, freshEmail('shape'));
    const me = await request(app.url).get('/v1/me').set('Authorization', `Bearer ${session.accessToken}`).expect(200);
    await request(app.url)
      .get('/v1/me')
      .set('Authorization', forge({ sub: me.body.id }))
      .expect(200);
    // A UUID in capitals names the same account.
    await request(app.url)
      .get('/v1/me')
      .set('Authorization', forge({ sub: (me.body.id as string).toUpperCase() }))
      .expect(200, me.body);
    await request(app.url)
      .post('/v1/auth/logout')
      .set('Authorization', forge({ sub: me.body.id }))
      .send({ refreshToken: session.refreshToken })
      .expect(204);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a sub that is not a UUID', { sub: 'admin' }],
    ['a sub of 36 dashes', { sub: '-'.repeat(36) }],
    ['a UUID-shaped sub of no RFC version', { sub: '00000000-0000-0000-0000-000000000001' }],
    ['a numeric sub', { sub: 12345 }],
    ['an empty sub', { sub: '' }],
    ['roles that are not a list', { roles: 'admin' }],
    ['an unknown role', { roles: ['customer', 'root'] }],
    ['a role that is not a string', { roles: [{ admin: true }] }],
    ['no roles', { roles: undefined }],
    ['a jti that is not a string', { jti: 42 }],
  ])('401 problem+json (never a 500) for a validly signed token with %s', async (_, overrides) => {
    const token = forge({ sub: randomUUID(), ...overrides });
    for (const response of [
      await request(app.url).get('/v1/me').set('Authorization', token),
      await request(app.url).post('/v1/auth/logout').set('Authorization', token).send({ refreshToken: 'whatever' }),
      await request(app.url).get('/v1/admin/users').set('Authorization', token),
    ]) {
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toBe(PROBLEM);
      expect(response.body.type).toBe('https://tessera.dev/problems/unauthorized');
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    }
  });
});
