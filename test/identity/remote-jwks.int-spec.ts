import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { claims, signEdDSA } from '../support/forge-token';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('a process without identity, verifying tokens against AUTH_JWKS_URL', () => {
  let db: TestDatabase;
  let jwks: Server;
  let echo: AppProcess;
  let served = 0;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const whoami = (kid: string) =>
    request(echo.url)
      .get('/v1/echo/whoami')
      .set('Authorization', `Bearer ${signEdDSA(privatePem, claims(), { kid })}`);

  beforeAll(async () => {
    db = await createTestDatabase('remote_jwks');
    // Serves the key set once, then answers 503: identity draining, restarting or down.
    jwks = createServer((_req, res) => {
      if (++served > 1) {
        res.writeHead(503).end();
        return;
      }
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    echo = await startApp({
      args: ['--modules', 'echo'],
      env: {
        DATABASE_URL: db.url,
        AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      },
    });
  });
  afterAll(async () => {
    await echo?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
    await db?.drop();
  });

  it('answers a token naming an unknown kid 401 invalid_token while the JWKS cannot be fetched', async () => {
    await whoami('k1').expect(200);
    for (const kid of ['made-up', 'made-up-too']) {
      const unknown = await whoami(kid);
      expect({
        status: unknown.status,
        type: unknown.body.type,
        challenge: unknown.headers['www-authenticate'],
      }).toEqual({
        status: 401,
        type: 'https://tessera.dev/problems/unauthorized',
        challenge: 'Bearer error="invalid_token"',
      });
      // The kid reload runs at most once a second: let the second token try again.
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    expect(served).toBeGreaterThanOrEqual(3);
    // The known key still works, and the failures are one line, not one per token.
    await whoami('k1').expect(200);
    expect(echo.output().match(/fetching AUTH_JWKS_URL failed/g)).toHaveLength(1);
    expect(echo.stderr()).toBe('');
  });
});
