import Fastify from 'fastify';
import { Pool } from 'pg';
import { register, type Histogram } from 'prom-client';
import { answerWritesWithConsistencyTokens } from '../../libs/database/consistency-token-hook';
import { BudgetPool } from '../../libs/database/budget-pool';
import { PrimaryDatabase } from '../../libs/database/primary-database';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** `0/16B3748` → a number that orders WAL positions. */
function position(lsn: string): bigint {
  const [high, low] = lsn.split('/') as [string, string];
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

describe('PrimaryDatabase.currentLsn (the position a consistency token carries)', () => {
  let db: TestDatabase;
  let primary: PrimaryDatabase;
  let pool: BudgetPool;
  let writers: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('lsn_reads');
    await db.query('CREATE TABLE writes (n int)');
    pool = new BudgetPool({ role: 'requests', url: db.url, max: 4, acquireTimeoutMs: 2000, preparedStatements: true });
    primary = new PrimaryDatabase(db.url, pool);
    writers = new Pool({ connectionString: db.url, max: 10 });
    // An idle client ended by another test (pg_terminate_backend) must not fail this one.
    writers.on('error', () => undefined);
  });

  afterAll(async () => {
    await writers?.end();
    await pool?.end();
    await db?.drop();
  });

  it('answers concurrent callers each with a position past its own commit', async () => {
    const callers = Array.from({ length: 50 }, async (_, n) => {
      // Each caller commits a write of its own, then asks.
      const writer = await writers.connect();
      let committed: string;
      try {
        await writer.query('INSERT INTO writes VALUES ($1)', [n]);
        committed = (await writer.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
      } finally {
        writer.release();
      }
      const token = await primary.currentLsn();
      return { committed: position(committed), token: position(token) };
    });
    const answers = await Promise.all(callers);
    for (const answer of answers) expect(answer.token).toBeGreaterThanOrEqual(answer.committed);
  });

  it('serves everyone who asked in one turn with one read, and everyone who asked while it ran with one more', async () => {
    const reads = jest.spyOn(pool.pool, 'query');
    const groups = async () => {
      const metric = register.getSingleMetric('grouped_statement_parts') as Histogram<'name'>;
      const { values } = await metric.get();
      return (
        values.find((v) => v.metricName === 'grouped_statement_parts_count' && v.labels.name === 'wal_position')
          ?.value ?? 0
      );
    };
    const groupsBefore = await groups();
    // The five calls of one turn share the first read; the other 15 arrive while it runs.
    const first = Array.from({ length: 5 }, () => primary.currentLsn());
    await new Promise((resolve) => setImmediate(resolve));
    const tokens = await Promise.all([...first, ...Array.from({ length: 15 }, () => primary.currentLsn())]);
    expect(reads).toHaveBeenCalledTimes(2);
    expect((await groups()) - groupsBefore).toBe(2);
    expect(new Set(tokens.slice(0, 5)).size).toBe(1);
    expect(new Set(tokens.slice(5)).size).toBe(1);
    expect(position(tokens[5]!)).toBeGreaterThanOrEqual(position(tokens[0]!));
    reads.mockRestore();
  });

  it('answers a caller after a failed read with the next read, and passes the failure to those who waited', async () => {
    // One read fails as a dropped connection would make it fail.
    const reads = (
      jest.spyOn(pool.pool, 'query') as unknown as jest.SpyInstance<Promise<unknown>>
    ).mockRejectedValueOnce(new Error('connection lost'));
    const failing = primary.currentLsn();
    await new Promise((resolve) => setImmediate(resolve)); // that read is in flight
    const [failed, next] = await Promise.allSettled([failing, primary.currentLsn()]);
    expect(failed).toEqual({ status: 'rejected', reason: new Error('connection lost') });
    expect(next.status).toBe('fulfilled');
    expect(position((next as PromiseFulfilledResult<string>).value)).toBeGreaterThan(0n);
    reads.mockRestore();
  });

  it('answers a write that read its position itself with that token, and reads one for the others', async () => {
    const app = Fastify();
    answerWritesWithConsistencyTokens(app, primary);
    // As `sendIdempotentResponse` does with the LSN its write read (`GroupCommit.commit`).
    app.post('/located', (_, reply) => reply.status(201).header('Consistency-Token', '0/1').send({}));
    app.post('/unlocated', (_, reply) => reply.status(201).send({}));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const reads = jest.spyOn(primary, 'currentLsn');
    try {
      const located = await fetch(`${url}/located`, { method: 'POST' });
      expect({ status: located.status, token: located.headers.get('consistency-token') }).toEqual({
        status: 201,
        token: '0/1',
      });
      expect(reads).not.toHaveBeenCalled();

      const unlocated = await fetch(`${url}/unlocated`, { method: 'POST' });
      expect(position(unlocated.headers.get('consistency-token')!)).toBeGreaterThan(1n);
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      reads.mockRestore();
      await app.close();
    }
  });
});
