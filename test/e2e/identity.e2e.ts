import { claims, hmacWithPublicKey, signEdDSA, tamper, unsigned } from '../support/forge-token';
import { freshEmail, PASSWORD, randomIp, sessionFor } from '../support/sessions';
import { E2E_AUTH_RATE_LIMIT } from '../topology/topology';
import { adminToken, api, target } from './target';

const PROBLEM = 'application/problem+json; charset=utf-8';

describe(`identity and stateless auth (${target.topology})`, () => {
  it('lives a whole account life: register, login, me, refresh, reuse revokes the family, logout', async () => {
    const ip = randomIp();
    const email = freshEmail('life');
    const registered = await api()
      .post('/v1/auth/register')
      .set('X-Forwarded-For', ip)
      .send({ email: email.toUpperCase(), password: PASSWORD })
      .expect(201);
    expect(registered.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email });
    const duplicate = await api()
      .post('/v1/auth/register')
      .set('X-Forwarded-For', ip)
      .send({ email, password: PASSWORD })
      .expect(409);
    expect(duplicate.body.type).toBe('https://tessera.dev/problems/email-taken');

    const login = await api()
      .post('/v1/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email, password: PASSWORD })
      .expect(200);
    expect(login.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 900 });
    expect(login.headers['cache-control']).toBe('no-store');
    const me = await api().get('/v1/me').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    expect(me.body).toEqual({ id: registered.body.id, email, roles: ['customer'] });

    const refreshed = await api()
      .post('/v1/auth/refresh')
      .set('X-Forwarded-For', ip)
      .send({ refreshToken: login.body.refreshToken })
      .expect(200);
    expect(refreshed.body.refreshToken).not.toBe(login.body.refreshToken);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    await api().get('/v1/me').set('Authorization', `Bearer ${refreshed.body.accessToken}`).expect(200);

    // The first refresh token again: someone replays a rotated token, so the family dies.
    const reuse = await api()
      .post('/v1/auth/refresh')
      .set('X-Forwarded-For', ip)
      .send({ refreshToken: login.body.refreshToken })
      .expect(401);
    expect(reuse.body.type).toBe('https://tessera.dev/problems/invalid-refresh-token');
    await api()
      .post('/v1/auth/refresh')
      .set('X-Forwarded-For', ip)
      .send({ refreshToken: refreshed.body.refreshToken })
      .expect(401);

    const again = await api()
      .post('/v1/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email, password: PASSWORD })
      .expect(200);
    await api().post('/v1/auth/logout').send({ refreshToken: again.body.refreshToken }).expect(401);
    await api()
      .post('/v1/auth/logout')
      .set('Authorization', `Bearer ${again.body.accessToken}`)
      .send({ refreshToken: again.body.refreshToken })
      .expect(204);
    await api()
      .post('/v1/auth/refresh')
      .set('X-Forwarded-For', ip)
      .send({ refreshToken: again.body.refreshToken })
      .expect(401);
  });

  it('rejects bad input with problem+json naming the field', async () => {
    const weak = await api()
      .post('/v1/auth/register')
      .set('X-Forwarded-For', randomIp())
      .send({ email: freshEmail(), password: 'short' })
      .expect(400);
    expect(weak.headers['content-type']).toBe(PROBLEM);
    expect(weak.body.errors).toEqual([{ field: 'password', message: 'password must be 10 to 128 characters' }]);
    const badEmail = await api()
      .post('/v1/auth/register')
      .set('X-Forwarded-For', randomIp())
      .send({ email: 'not-an-email', password: PASSWORD })
      .expect(400);
    expect(badEmail.body.errors[0].field).toBe('email');
  });

  describe('tokens that must not pass', () => {
    const probe = (token: string) => api().get('/v1/me').set('Authorization', `Bearer ${token}`);

    it('accepts a correctly forged token (so the negative cases below mean something)', async () => {
      const session = await sessionFor(target.baseUrl, freshEmail('forge'));
      const me = await api().get('/v1/me').set('Authorization', `Bearer ${session.accessToken}`).expect(200);
      const kid = JSON.parse(Buffer.from(session.accessToken.split('.')[0]!, 'base64url').toString()).kid as string;
      await probe(signEdDSA(target.signingKeyPem, claims({ sub: me.body.id }), { kid })).expect(200);
    });

    it.each([
      ['a tampered payload (bad signature)', () => tamper(signEdDSA(target.signingKeyPem, claims()))],
      ['alg: none', () => unsigned(claims())],
      ['HS256 signed with the public key', () => hmacWithPublicKey(target.signingKeyPem, claims())],
      ['a foreign audience', () => signEdDSA(target.signingKeyPem, claims({ aud: 'another-api' }))],
      ['a foreign issuer', () => signEdDSA(target.signingKeyPem, claims({ iss: 'https://evil.example' }))],
      [
        'an expired token',
        () =>
          signEdDSA(
            target.signingKeyPem,
            claims({ exp: Math.floor(Date.now() / 1000) - 120, iat: Math.floor(Date.now() / 1000) - 1000 }),
          ),
      ],
      ['garbage', () => 'not.a.jwt'],
    ])('401 for %s', async (_, token) => {
      const response = await probe(token()).expect(401);
      expect(response.headers['content-type']).toBe(PROBLEM);
      expect(response.body.type).toBe('https://tessera.dev/problems/unauthorized');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer error=/);
    });
  });

  it("another module's route verifies the token itself, wherever identity runs", async () => {
    const session = await sessionFor(target.baseUrl, freshEmail('cross'));
    const me = await api().get('/v1/me').set('Authorization', `Bearer ${session.accessToken}`).expect(200);
    const whoami = await api().get('/v1/echo/whoami').set('Authorization', `Bearer ${session.accessToken}`).expect(200);
    expect(whoami.body).toMatchObject({ userId: me.body.id, roles: ['customer'] });
    await api().get('/v1/echo/whoami').expect(401);
  });

  it('enforces the auth rate limit across all replicas: N+1 requests, exactly one 429', async () => {
    const ip = randomIp();
    const responses = await Promise.all(
      Array.from({ length: E2E_AUTH_RATE_LIMIT + 1 }, () =>
        api().post('/v1/auth/refresh').set('X-Forwarded-For', ip).send({ refreshToken: 'nope' }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(E2E_AUTH_RATE_LIMIT).fill(401), 429]);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited.headers['content-type']).toBe(PROBLEM);
    expect(limited.body.type).toBe('https://tessera.dev/problems/too-many-requests');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-policy']).toBe(`"auth";q=${E2E_AUTH_RATE_LIMIT};w=60`);
    expect(limited.headers['ratelimit']).toMatch(/^"auth";r=0;t=\d+$/);
    // Another client is not affected.
    await api().post('/v1/auth/refresh').set('X-Forwarded-For', randomIp()).send({ refreshToken: 'nope' }).expect(401);
  });

  it('keeps admin routes to admins, and a granted role reaches the next token', async () => {
    const customer = await sessionFor(target.baseUrl, freshEmail('plain'));
    const forbidden = await api()
      .get('/v1/admin/users')
      .set('Authorization', `Bearer ${customer.accessToken}`)
      .expect(403);
    expect(forbidden.body.type).toBe('https://tessera.dev/problems/forbidden');
    const me = await api().get('/v1/me').set('Authorization', `Bearer ${customer.accessToken}`).expect(200);

    const admin = `Bearer ${await adminToken()}`;
    const page = await api().get('/v1/admin/users?limit=1').set('Authorization', admin).expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(typeof page.body.next).toBe('string');
    await api().get(`/v1/admin/users?cursor=${page.body.next}`).set('Authorization', admin).expect(200);
    await api().get('/v1/admin/users?cursor=%21%21').set('Authorization', admin).expect(400);

    const granted = await api()
      .put(`/v1/admin/users/${me.body.id}/roles/admin`)
      .set('Authorization', admin)
      .expect(200);
    expect(granted.body.roles).toEqual(['customer', 'admin']);
    const refreshed = await api()
      .post('/v1/auth/refresh')
      .set('X-Forwarded-For', randomIp())
      .send({ refreshToken: customer.refreshToken })
      .expect(200);
    await api().get('/v1/admin/users').set('Authorization', `Bearer ${refreshed.body.accessToken}`).expect(200);
    const revoked = await api()
      .delete(`/v1/admin/users/${me.body.id}/roles/admin`)
      .set('Authorization', admin)
      .expect(200);
    expect(revoked.body.roles).toEqual(['customer']);
    await api()
      .put('/v1/admin/users/00000000-0000-4000-8000-000000000000/roles/admin')
      .set('Authorization', admin)
      .expect(404);
  });

  it('answers an unknown email and a wrong password alike, in similar time', async () => {
    const emails = await Promise.all(
      [1, 2, 3, 4, 5].map(async () => {
        const email = freshEmail('known');
        await api()
          .post('/v1/auth/register')
          .set('X-Forwarded-For', randomIp())
          .send({ email, password: PASSWORD })
          .expect(201);
        return email;
      }),
    );
    const timed = async (email: string) => {
      const started = performance.now();
      const response = await api()
        .post('/v1/auth/login')
        .set('X-Forwarded-For', randomIp())
        .send({ email, password: 'wrong password here' });
      return {
        ms: performance.now() - started,
        status: response.status,
        body: response.body as { type: string; detail: string },
      };
    };
    const wrongPassword: Awaited<ReturnType<typeof timed>>[] = [];
    const unknownEmail: Awaited<ReturnType<typeof timed>>[] = [];
    for (const email of emails) {
      wrongPassword.push(await timed(email));
      unknownEmail.push(await timed(freshEmail('nobody')));
    }
    for (const r of [...wrongPassword, ...unknownEmail]) {
      expect(r.status).toBe(401);
      expect(r.body.type).toBe('https://tessera.dev/problems/invalid-credentials');
      expect(r.body.detail).toBe(wrongPassword[0]!.body.detail);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const a = median(wrongPassword.map((r) => r.ms));
    const b = median(unknownEmail.map((r) => r.ms));
    expect(Math.max(a, b) / Math.min(a, b)).toBeLessThan(2);
  });

  it('publishes the public keys', async () => {
    const jwks = await api().get('/.well-known/jwks.json').expect(200);
    expect(jwks.body.keys[0]).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: expect.any(String),
    });
    expect(jwks.body.keys[0].d).toBeUndefined();
  });
});
