import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { freePort } from '../support/free-port';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { POSTGRES_REPLICA_URL, replicaUrlOf } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** Runs SQL on the real streaming replica (pausing replay is a replica-wide switch). */
async function onReplica(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_REPLICA_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('catalog reads on a real streaming replica', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let proxy: TcpProxy;
  let bearer: string;
  let categoryId: string;
  const replicaReads = async () =>
    metric((await request(app.url).get('/metrics')).text, 'database_reads_total', 'module="catalog",target="replica"');

  beforeAll(async () => {
    db = await createTestDatabase('replicas');
    const replica = new URL(replicaUrlOf(db.url));
    proxy = new TcpProxy(await freePort(), { host: replica.hostname, port: Number(replica.port) });
    await proxy.up();
    replica.port = String(proxy.port);
    app = await startApp({
      env: {
        DATABASE_URL: db.url,
        DATABASE_REPLICA_URLS: replica.toString(),
        REPLICA_CHECK_INTERVAL_MS: '200',
        REPLICA_QUERY_TIMEOUT_MS: '1000',
        ADMIN_EMAILS: ADMIN_EMAIL,
      },
    });
    bearer = `Bearer ${(await adminSession(app.url)).accessToken}`;
    categoryId = (
      await request(app.url)
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name: 'Replica', slug: `replica-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id;
    await eventually(
      () => request(app.url).get('/health/ready'),
      (r) => r.body.details?.replicas?.status === 'up',
      { what: 'the replica in rotation' },
    );
  });
  afterAll(async () => {
    await onReplica('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await app?.stop();
    await proxy?.down();
    await db?.drop();
  });

  const createProduct = (name: string) =>
    request(app.url)
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: `R-${randomUUID().slice(0, 8)}`,
        name,
        description: '',
        categoryId,
        price: { amount: 500, currency: 'EUR' },
        status: 'active',
      })
      .expect(201);

  it('serves reads from the replica, and a read with the consistency token sees the write even while the replica is paused', async () => {
    const before = await replicaReads();
    await request(app.url)
      .get(`/v1/products?q=${randomUUID().slice(0, 8)}`)
      .expect(200); // a cache miss, without a token
    expect(await replicaReads()).toBeGreaterThan(before);

    await onReplica('SELECT pg_wal_replay_pause()');
    try {
      for (let i = 0; i < 5; i++) {
        const created = await createProduct(`Paused ${i}`);
        const token = created.headers['consistency-token']!;
        const read = await request(app.url)
          .get(`/v1/products/${created.body.id}`)
          .set('Consistency-Token', token)
          .expect(200);
        expect(read.body.name).toBe(`Paused ${i}`);
        const listed = await request(app.url)
          .get(`/v1/products?category=${categoryId}&limit=100`)
          .set('Consistency-Token', token)
          .expect(200);
        expect(listed.body.items.map((p: { id: string }) => p.id)).toContain(created.body.id);
      }
      const primaryReads = metric(
        (await request(app.url).get('/metrics')).text,
        'database_reads_total',
        'module="catalog",target="primary"',
      );
      expect(primaryReads).toBeGreaterThanOrEqual(5);
    } finally {
      await onReplica('SELECT pg_wal_replay_resume()');
    }
  });

  it('keeps answering when the replica dies mid-load, reports it, and uses it again once it is back', async () => {
    let stop = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!stop) {
        const response = await request(app.url)
          .get(`/v1/products?q=${randomUUID().slice(0, 8)}`)
          .catch((error: Error) => ({ status: error.message }));
        statuses.push(response.status as number);
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await proxy.down();
    const ready = await eventually(
      () => request(app.url).get('/health/ready'),
      (r) => r.body.details?.replicas?.status === 'degraded',
      { what: 'replica reported out of rotation' },
    );
    expect(ready.status).toBe(200);
    const metrics = (await request(app.url).get('/metrics')).text;
    expect(metrics).toMatch(/database_replica_up\{replica="127\.0\.0\.1:\d+"\} 0/);
    await new Promise((r) => setTimeout(r, 500));
    await proxy.up();
    await eventually(
      () => request(app.url).get('/health/ready'),
      (r) => r.body.details?.replicas?.status === 'up',
      { what: 'replica back in rotation' },
    );
    const backAt = await replicaReads();
    await eventually(replicaReads, (n) => n > backAt, { what: 'reads on the replica again' });
    stop = true;
    await load;
    if (statuses.some((s) => s !== 200)) console.log(app.output().slice(-3000));
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('answers from the primary when the replica stops answering mid-read, and takes it out of rotation', async () => {
    const search = () => request(app.url).get(`/v1/products?q=${randomUUID().slice(0, 8)}`);
    // Open connections to the replica, which then fall silent under the reads below.
    for (let i = 0; i < 4; i++) await search().expect(200);
    const replicaAt = await replicaReads();
    expect(replicaAt).toBeGreaterThan(0);
    proxy.silent = true;
    try {
      const reads = await Promise.all(Array.from({ length: 4 }, () => search().timeout(10_000)));
      expect(reads.map((read) => read.status)).toEqual([200, 200, 200, 200]);
      const ready = await request(app.url).get('/health/ready').timeout(5_000);
      expect(ready.body.details.replicas.status).toBe('degraded');
      // Out of rotation, reads go to the primary at once.
      await search().timeout(2_000).expect(200);
    } finally {
      proxy.silent = false;
    }
    await eventually(
      () => request(app.url).get('/health/ready'),
      (r) => r.body.details?.replicas?.status === 'up',
      { what: 'replica back in rotation' },
    );
    const backAt = await replicaReads();
    await search().expect(200);
    expect(await replicaReads()).toBeGreaterThan(backAt);
  });
});
