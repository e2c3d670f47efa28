import type { Duplex } from 'node:stream';
import { DataSource, QueryFailedError } from 'typeorm';
import { preparedStatementName, queryPrepared, queryPreparedCommitted } from '#libs/sql';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const INSERT_NOTE = `INSERT INTO notes (id, body) VALUES ($1, $2) RETURNING id, body`;

describe('queryPrepared (named prepared statements on TypeORM connections)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('prepared');
    await db.query(`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)`);
    // One connection: what one statement leaves prepared, the next sees.
    dataSource = await new DataSource({ type: 'postgres', url: db.url, poolSize: 1 }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('prepares a statement once per connection and answers its rows each time', async () => {
    expect(await queryPrepared(dataSource, INSERT_NOTE, [1, 'first'])).toEqual([{ id: 1, body: 'first' }]);
    expect(await queryPrepared(dataSource, INSERT_NOTE, [2, 'second'])).toEqual([{ id: 2, body: 'second' }]);

    const prepared = (await dataSource.query(
      `SELECT name, statement FROM pg_prepared_statements WHERE from_sql = false`,
    )) as { name: string; statement: string }[];
    expect(prepared).toEqual([{ name: preparedStatementName(INSERT_NOTE), statement: INSERT_NOTE }]);
  });

  it("runs on the transaction's connection when given its manager", async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await queryPrepared(manager, INSERT_NOTE, [3, 'rolled back']);
        expect(await queryPrepared(manager, `SELECT body FROM notes WHERE id = $1`, [3])).toEqual([
          { body: 'rolled back' },
        ]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.query(`SELECT id FROM notes WHERE id = 3`)).toEqual([]);
  });

  it("fails as TypeORM's query does, with the driver's error inside", async () => {
    const failure = await queryPrepared(dataSource, INSERT_NOTE, [1, 'again']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toMatchObject({ code: '23505' });
    // The connection went back to the pool and still works.
    expect(await queryPrepared(dataSource, INSERT_NOTE, [4, 'after'])).toEqual([{ id: 4, body: 'after' }]);
  });

  it('names two texts apart and one text alike', () => {
    expect(preparedStatementName(INSERT_NOTE)).toBe(preparedStatementName(`${INSERT_NOTE}`));
    expect(preparedStatementName(INSERT_NOTE)).not.toBe(preparedStatementName(`${INSERT_NOTE} `));
    // PostgreSQL truncates identifiers at 63 bytes: a longer name would collide silently.
    expect(preparedStatementName(INSERT_NOTE).length).toBeLessThanOrEqual(63);
  });

  describe('queryPreparedCommitted (a statement and the LSN after its commit)', () => {
    let pipelined: DataSource;

    beforeAll(async () => {
      pipelined = await new DataSource({
        type: 'postgres',
        url: db.url,
        poolSize: 1,
        extra: { pipeline: true },
      }).initialize();
    });

    afterAll(() => pipelined?.destroy());

    /** The WAL insert position inside the statement: its commit record can only come after it. */
    const WRITE_AND_LOCATE = `WITH written AS (INSERT INTO notes (id, body) VALUES ($1, $2) RETURNING id)
      SELECT (SELECT id FROM written) AS id, pg_current_wal_insert_lsn()::text AS inside`;

    it.each([
      ['pipelined, in one round trip', () => pipelined],
      ['not pipelined, in two', () => dataSource],
    ])('answers a position past the commit record, %s', async (_, on) => {
      const { rows, lsn } = await queryPreparedCommitted<{ id: number; inside: string }>(on(), WRITE_AND_LOCATE, [
        on() === pipelined ? 10 : 11,
        'located',
      ]);
      expect(rows).toEqual([{ id: expect.any(Number), inside: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/) }]);
      // Strictly after: a position read inside the transaction could not be past its own commit.
      const [past] = await db.query<{ past: boolean }>(`SELECT $1::pg_lsn > $2::pg_lsn AS past`, [
        lsn,
        rows[0]!.inside,
      ]);
      expect(past).toEqual({ past: true });
    });

    it('fails as queryPrepared does, and the connection is left ready for the next statement', async () => {
      const failure = await queryPreparedCommitted(pipelined, INSERT_NOTE, [1, 'again']).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(QueryFailedError);
      expect((failure as QueryFailedError).driverError).toMatchObject({ code: '23505' });
      // The position read queued behind the failed statement was answered before the connection went back.
      const after = await queryPreparedCommitted<{ id: number }>(pipelined, INSERT_NOTE, [12, 'after']);
      expect(after.rows).toEqual([{ id: 12, body: 'after' }]);
      expect(after.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    });

    it.each([
      ['pipelined: everything is written before the first answer arrives', () => pipelined, false],
      ['not pipelined: the position read is written after the statement has answered', () => dataSource, true],
    ])('%s', async (_, on, writesAfterAnAnswer) => {
      // Each pool has one connection: this is the one the statement will run on.
      const runner = on().createQueryRunner('master');
      const client = (await runner.connect()) as unknown as { connection: { stream: Duplex } };
      await runner.release();
      const stream = client.connection.stream;
      const wire: ('write' | 'answer')[] = [];
      const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
      const onAnswer = () => wire.push('answer');
      stream.write = ((...args: unknown[]) => {
        wire.push('write');
        return write(...args);
      }) as typeof stream.write;
      stream.prependListener('data', onAnswer);
      try {
        await queryPreparedCommitted(on(), `SELECT 1 AS one`);
      } finally {
        stream.write = write as typeof stream.write;
        stream.off('data', onAnswer);
      }
      expect(wire.lastIndexOf('write') > wire.indexOf('answer')).toBe(writesAfterAnAnswer);
    });
  });
});
