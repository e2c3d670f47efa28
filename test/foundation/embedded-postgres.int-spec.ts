import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { startApp } from '../support/app-process';

describe('embedded PostgreSQL (no DATABASE_URL)', () => {
  let dataDir: string;
  beforeAll(async () => {
    const parent = await mkdtemp(join(tmpdir(), 'tessera-embedded-'));
    // As root, PostgreSQL runs as the `postgres` user, which must reach the directory.
    await chmod(parent, 0o755);
    dataDir = join(parent, 'pg');
  });
  afterAll(() => rm(resolve(dataDir, '..'), { recursive: true, force: true }));

  it('starts a real database, becomes ready, and a second start keeps the data', async () => {
    const first = await startApp({ env: { EMBEDDED_POSTGRES_DIR: dataDir }, readyTimeoutMs: 60_000 });
    let id: string;
    try {
      expect(first.output()).toContain('starting embedded PostgreSQL');
      const created = await request(first.url).post('/v1/notes').send({ text: 'survives restarts' }).expect(201);
      id = created.body.id;
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await startApp({ env: { EMBEDDED_POSTGRES_DIR: dataDir }, readyTimeoutMs: 60_000 });
    try {
      const read = await request(second.url).get(`/v1/notes/${id}`).expect(200);
      expect(read.body.text).toBe('survives restarts');
      expect(second.output()).toContain('schema \\"fixture_notes\\" is up to date');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('`db:embedded` runs the database alone and prints a URL split processes can share', async () => {
    const child = spawn(process.execPath, [resolve(__dirname, '../../dist/embedded-db.js')], {
      env: { ...process.env, EMBEDDED_POSTGRES_DIR: dataDir, EMBEDDED_POSTGRES_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = '';
        const timer = setTimeout(() => fail(new Error(`no URL printed: ${out}`)), 60_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /^(postgres:\/\/\S+)$/m.exec(out);
          if (match?.[1]) {
            clearTimeout(timer);
            done(match[1]);
          }
        });
      });
      const client = new Client({ connectionString: url });
      await client.connect();
      const rows = await client.query('SELECT count(*)::int AS n FROM fixture_notes.notes');
      expect(rows.rows[0].n).toBe(1);
      await client.end();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
