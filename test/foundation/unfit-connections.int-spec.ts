import { Client, Pool } from 'pg';
import { BudgetPool, closeUnfitConnections } from '../../libs/database/budget-pool';
import { databaseUnreachable } from '../../libs/database/database-unreachable';
import { PgBouncer } from '../support/pgbouncer';
import { POSTGRES_ADMIN_URL, POSTGRES_REPLICA_URL } from '../support/services';

/**
 * After a failover the old primary comes back as a standby: a pooled connection that reached it
 * gets "read-only transaction" for every write. Such a connection is closed when released, so
 * the next caller gets a fresh one (through HAProxy: to the new primary), never the standby again.
 */
describe('a pooled connection that reached a standby', () => {
  const pools: BudgetPool[] = [];
  const pool = (url: string) => {
    const created = new BudgetPool({ role: 'requests', url, max: 2, acquireTimeoutMs: 2000, preparedStatements: true });
    pools.push(created);
    return created;
  };
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });

  it('is closed once a write fails there, and the failure means "retry", not a broken request', async () => {
    const standby = pool(POSTGRES_REPLICA_URL);
    const client = await standby.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const failure = await client.query('CREATE TEMPORARY TABLE failover_probe (id int)').catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: '25006' });
    expect(databaseUnreachable(failure)).toBe(true);
    client.release();
    expect(standby.pool.totalCount).toBe(0);

    const next = await standby.connect();
    const nextPid = (await next.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    next.release();
    expect(nextPid).not.toBe(pid);
  });

  it('is closed when it dies while checked out, and the process lives on', async () => {
    // HAProxy cutting the sessions of a demoted primary, or the primary dying, mid-query.
    const primary = pool(POSTGRES_ADMIN_URL);
    const client = await primary.connect();
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const sleeping = client.query('SELECT pg_sleep(10)').catch((e: unknown) => e);
    const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    const failure = await sleeping;
    expect(databaseUnreachable(failure)).toBe(true);
    // The connection's 'error' event follows the query's failure: an unheard one would end jest's process.
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.release();
    expect(primary.pool.totalCount).toBe(0);
  });

  it("is closed in a pool the app did not make (BullMQ's), whether checked out or used by pool.query", async () => {
    const plain = closeUnfitConnections(new Pool({ connectionString: POSTGRES_REPLICA_URL, max: 2 }));
    try {
      // BullMQ's transactions: a checked-out client, released without an error once rolled back.
      const client = await plain.connect();
      await expect(client.query('CREATE TEMPORARY TABLE failover_probe (id int)')).rejects.toMatchObject({
        code: '25006',
      });
      client.release();
      expect(plain.totalCount).toBe(0);

      // The callback form, as pg-pool's own query() checks out.
      const viaCallback = await new Promise<Error | undefined>((resolve) =>
        plain.connect((error, checkedOut, done) => {
          if (error || !checkedOut) return resolve(error);
          checkedOut.query('CREATE TEMPORARY TABLE failover_probe (id int)', (failure) => {
            done();
            resolve(failure);
          });
        }),
      );
      expect(viaCallback).toMatchObject({ code: '25006' });
      expect(plain.totalCount).toBe(0);

      // A fit connection stays pooled.
      await plain.query('SELECT 1');
      expect(plain.totalCount).toBe(1);
      expect(plain.idleCount).toBe(1);
    } finally {
      await plain.end();
    }
  });

  it('is closed after a PgBouncer error, and the failure means "retry"', async () => {
    // PgBouncer answers 08P01 (FATAL) when no server connection can be had in time, or none at all.
    const bouncer = await PgBouncer.start({ databaseUrl: POSTGRES_ADMIN_URL, settings: { query_wait_timeout: 1 } });
    try {
      const pooled = pool(bouncer.url);
      const client = await pooled.connect();
      await bouncer.admin(`PAUSE ${bouncer.database}`);
      const failure = await client.query('SELECT 1').catch((e: unknown) => e);
      await bouncer.admin(`RESUME ${bouncer.database}`);
      expect(failure).toMatchObject({ code: '08P01', message: 'query_wait_timeout' });
      expect(databaseUnreachable(failure)).toBe(true);
      client.release();
      expect(pooled.pool.totalCount).toBe(0);
    } finally {
      await bouncer.stop();
    }
  });

  it('is kept after an error in the query itself', async () => {
    const primary = pool(POSTGRES_ADMIN_URL);
    const client = await primary.connect();
    await expect(client.query('SELEC 1')).rejects.toMatchObject({ code: '42601' });
    client.release();
    expect(primary.pool.totalCount).toBe(1);
    expect(primary.pool.idleCount).toBe(1);
  });
});
