import { DataSource, QueryFailedError } from 'typeorm';
import { preparedStatementName, queryPrepared } from '#libs/sql';
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
});
