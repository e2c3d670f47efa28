import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { catalogEventsHandled } from '../support/catalog-events';
import { startDisposablePostgres, type DisposablePostgres } from '../support/disposable-services';
import { eventually } from '../support/eventually';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';

async function sql<T>(url: string, text: string, params?: unknown[]): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/*
 * A read without a token may come from a replica that has not replayed a change yet: it may be
 * that old, but the read cache must not keep it. A cluster and a streaming replica of the test's
 * own, whose replay the test pauses.
 */
describe('catalog: the read cache behind a lagging replica', () => {
  let primary: DisposablePostgres;
  let replica: DisposablePostgres;
  let databaseUrl: string;
  let replicaUrl: string;
  let app: AppProcess;
  let bearer: string;
  let categoryId: string;

  beforeAll(async () => {
    primary = await startDisposablePostgres();
    replica = await startDisposablePostgres({ replicaOf: primary });
    databaseUrl = await primary.createDatabase('lagging');
    const onReplica = new URL(databaseUrl);
    onReplica.port = new URL(replica.url).port;
    replicaUrl = onReplica.toString();
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: databaseUrl,
        DATABASE_REPLICA_URLS: replicaUrl,
        REPLICA_CHECK_INTERVAL_MS: '200',
        REPLICA_MAX_LAG_SECONDS: '120',
        CACHE_TTL_SECONDS: '300',
        ADMIN_EMAILS: ADMIN_EMAIL,
      },
    });
    bearer = `Bearer ${(await adminSession(app.url)).accessToken}`;
    categoryId = (
      await request(app.url)
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name: 'Lag', slug: `lag-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id;
    await eventually(
      () => request(app.url).get('/health/ready'),
      (r) => r.body.details?.replicas?.status === 'up',
      { what: 'the replica in rotation' },
    );
  }, 120_000);
  afterAll(async () => {
    await sql(replica.url, 'SELECT pg_wal_replay_resume()').catch(() => undefined);
    await app?.stop();
    await replica?.destroy();
    await primary?.destroy();
  });

  const pauseReplay = () => sql(replica.url, 'SELECT pg_wal_replay_pause()');
  /** Resumes replay and waits until the replica has replayed everything committed so far. */
  const catchUp = async () => {
    await sql(replica.url, 'SELECT pg_wal_replay_resume()');
    const [{ lsn }] = (await sql<{ lsn: string }>(primary.url, 'SELECT pg_current_wal_lsn()::text AS lsn')) as [
      { lsn: string },
    ];
    await eventually(
      () => sql<{ replayed: boolean }>(replica.url, `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS replayed`),
      (rows) => rows[0]?.replayed === true,
      { what: 'the replica caught up' },
    );
  };
  const categorySlugs = async () =>
    ((await request(app.url).get('/v1/categories').expect(200)).body.items as { slug: string }[]).map((c) => c.slug);

  it('a category list read before the replica replayed a new category is not kept', async () => {
    await categorySlugs(); // cached
    const slug = `new-${randomUUID().slice(0, 8)}`;
    await pauseReplay();
    try {
      await request(app.url)
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name: 'New', slug })
        .expect(201);
      // Without a token the replica answers, as old as it is: the scenario under test.
      expect(await categorySlugs()).not.toContain(slug);
    } finally {
      await catchUp();
    }
    expect(await categorySlugs()).toContain(slug);
  });

  it('a product read before the replica replayed its change is not kept, even after its event came back', async () => {
    const created = await request(app.url)
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: `LAG-${randomUUID().slice(0, 8)}`,
        name: 'Lamp',
        description: '',
        categoryId,
        price: { amount: 1000, currency: 'EUR' },
        status: 'active',
      })
      .expect(201);
    const id = created.body.id as string;
    await catalogEventsHandled({ query: (text, params) => sql(databaseUrl, text, params) }, id);
    await catchUp();
    expect((await request(app.url).get(`/v1/products/${id}`).expect(200)).body.version).toBe(1);
    await pauseReplay();
    try {
      await request(app.url)
        .patch(`/v1/products/${id}`)
        .set('Authorization', bearer)
        .set('If-Match', created.headers.etag!)
        .send({ name: 'Renamed' })
        .expect(200);
      // Its event dropped the cached reads once more; the replica still has the old row.
      await catalogEventsHandled({ query: (text, params) => sql(databaseUrl, text, params) }, id);
      expect((await request(app.url).get(`/v1/products/${id}`).expect(200)).body.version).toBe(1);
    } finally {
      await catchUp();
    }
    const read = await request(app.url).get(`/v1/products/${id}`).expect(200);
    expect({ version: read.body.version, name: read.body.name }).toEqual({ version: 2, name: 'Renamed' });
  });
});
