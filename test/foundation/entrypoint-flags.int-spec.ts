import request from 'supertest';
import { runToExit, startApp } from '../support/app-process';
import { UNUSED_JWKS_URL } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('entrypoint flags (built dist/main.js)', () => {
  let db: TestDatabase;
  beforeAll(async () => (db = await createTestDatabase('flags')));
  afterAll(() => db.drop());

  it('--help prints usage and exits 0', async () => {
    const { code, stdout } = await runToExit({ args: ['--help'] });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: node dist/main.js');
    expect(stdout).toContain('--roles LIST');
  });

  it('an unknown module stops start-up with exit 2 and one line listing the valid names', async () => {
    const { code, stderr } = await runToExit({
      entry: 'fixture',
      args: ['--modules', 'notes,billing'],
      env: { DATABASE_URL: db.url },
    });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'tessera: --modules: unknown module "billing"; valid modules: identity, catalog, inventory, ordering, payments, notifications, notes, tally, echo',
    ]);
  });

  it('an unknown role from APP_ROLES stops start-up with exit 2', async () => {
    const { code, stderr } = await runToExit({ env: { APP_ROLES: 'api,scheduler', DATABASE_URL: db.url } });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('tessera: APP_ROLES: unknown role "scheduler"; valid roles: api, worker, relay');
  });

  it('a bad setting stops start-up with exit 2 naming the variable, without a stack trace', async () => {
    const { code, stderr } = await runToExit({ env: { PORT: '70000', DATABASE_URL: db.url } });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('tessera: PORT must be an integer from 0 to 65535 (got "70000")');
  });

  it('a bad setting of a module the process does not run stops start-up too (the manifests declare them)', async () => {
    const { code, stderr } = await runToExit({
      args: ['--modules', 'catalog'],
      env: { WEBHOOK_MAX_ATTEMPTS: '0', DATABASE_URL: db.url },
    });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('tessera: WEBHOOK_MAX_ATTEMPTS must be an integer from 1 to 50 (got "0")');
  });

  it('WORKER_FIRST_MODULES naming no module stops start-up with exit 2 and lists the valid names', async () => {
    const { code, stderr } = await runToExit({
      env: { WORKER_FIRST_MODULES: 'inventory,shipping', DATABASE_URL: db.url },
    });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      'tessera: WORKER_FIRST_MODULES: unknown module "shipping"; valid: identity, catalog, inventory, ordering, payments, notifications, none',
    );
  });

  it('a split process without DATABASE_URL refuses to start and says why', async () => {
    const { code, stderr } = await runToExit({ entry: 'fixture', args: ['--modules', 'echo'] });
    expect(code).toBe(2);
    expect(stderr).toContain('DATABASE_URL is required when a process runs only some modules or roles');
    expect(stderr).toContain('npm run db:embedded');
  });

  it('an api process without the identity module needs AUTH_JWKS_URL to verify tokens', async () => {
    const { code, stderr } = await runToExit({
      entry: 'fixture',
      args: ['--modules', 'echo'],
      env: { DATABASE_URL: db.url },
    });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      "tessera: AUTH_JWKS_URL is required when a process serves HTTP without the identity module: set it to identity's /.well-known/jwks.json",
    );
  });

  it('loads only the selected modules: their routes answer, the others are 404', async () => {
    const app = await startApp({
      args: ['--modules', 'echo'],
      env: { DATABASE_URL: db.url, CORS_ORIGINS: 'https://shop.example', AUTH_JWKS_URL: UNUSED_JWKS_URL },
    });
    try {
      const echo = await request(app.url).get('/v1/echo').set('Origin', 'https://shop.example').expect(200);
      expect(echo.body).toEqual({ module: 'echo', pid: app.child.pid });
      expect(echo.headers['access-control-allow-origin']).toBe('https://shop.example');
      const notes = await request(app.url).get('/v1/notes/slow').expect(404);
      expect(notes.body.type).toBe('https://tessera.dev/problems/route-not-found');
      const metrics = await request(app.url).get('/metrics').expect(200);
      expect(metrics.text).toContain(
        'tessera_info{version="0.1.0",commit="unknown",modules="echo",roles="api,worker,relay"} 1',
      );
      expect(metrics.text).toContain('tessera_module_info{module="echo",roles="api,worker,relay"} 1');
      expect(metrics.text).not.toContain('tessera_module_info{module="notes"');
    } finally {
      await app.stop();
    }
  });

  it('a worker-only process mounts no module routes but serves /health and /metrics', async () => {
    const app = await startApp({ args: ['--roles', 'worker'], env: { DATABASE_URL: db.url } });
    try {
      await request(app.url).get('/v1/echo').expect(404);
      await request(app.url).get('/health/live').expect(200);
      await request(app.url).get('/health/startup').expect(200);
      await request(app.url).get('/metrics').expect(200);
    } finally {
      await app.stop();
    }
  });
});
