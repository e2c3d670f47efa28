import { DataSource, QueryFailedError } from 'typeorm';
import { GroupCommit, type GroupedWrite } from '#libs/sql';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** Inserts note `id` and resolves with the id it wrote. */
function note(id: number, key?: string): GroupedWrite {
  return {
    ...(key ? { key } : {}),
    build: (params, suffix) => ({
      ctes: [`written${suffix} AS (INSERT INTO notes (id) VALUES ($${params.push(id)}::int) RETURNING id)`],
      result: `(SELECT id FROM written${suffix})`,
    }),
  };
}

describe('GroupCommit (concurrent writes as one statement)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('group_commit');
    // Each row remembers the transaction that wrote it: one transaction is one statement here.
    await db.query(`CREATE TABLE notes (id int PRIMARY KEY, xid bigint NOT NULL DEFAULT txid_current())`);
    dataSource = await new DataSource({ type: 'postgres', url: db.url, poolSize: 4 }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  beforeEach(() => db.query(`TRUNCATE notes`));

  /** The ids written by each transaction, by their lowest id. */
  async function transactions(): Promise<number[][]> {
    const rows = await db.query<{ ids: number[] }>(
      `SELECT array_agg(id ORDER BY id) AS ids FROM notes GROUP BY xid ORDER BY min(id)`,
    );
    return rows.map((row) => row.ids);
  }

  /** The end of the event loop's current turn: what was added before it has started. */
  const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('sends the writes of one turn together while nothing runs, those that arrive meanwhile together next, each with its own result', async () => {
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 1, maxWrites: 16 });
    const first = [1, 2, 3].map((id) => group.write<number>(note(id)));
    await endOfTurn(); // 1-3 are in flight
    const ids = Array.from({ length: 20 }, (_, i) => i + 4);
    const rest = ids.map((id) => group.write<number>(note(id)));
    await expect(Promise.all([...first, ...rest])).resolves.toEqual([1, 2, 3, ...ids]);
    // 1-3 together at once; the other 20 waited for them and went as 16, then 4.
    expect(await transactions()).toEqual([[1, 2, 3], ids.slice(0, 16), ids.slice(16)]);

    // Quiet again: a lone write goes alone.
    await expect(group.write(note(24))).resolves.toBe(24);
    expect((await transactions()).at(-1)).toEqual([24]);
  });

  it('never puts two writes with one key in one statement', async () => {
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 1, maxWrites: 16 });
    const written = await Promise.all([
      group.write(note(1)),
      group.write(note(2, 'key-a')),
      group.write(note(3, 'key-a')),
      group.write(note(4, 'key-b')),
    ]);
    expect(written).toEqual([1, 2, 3, 4]);
    expect(await transactions()).toEqual([[1, 2, 4], [3]]);
  });

  it('fails only the write at fault: the others of its statement run again on their own', async () => {
    await db.query(`INSERT INTO notes (id) VALUES (3)`);
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 1, maxWrites: 16 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((id) => group.write(note(id))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const failure = (outcomes[2] as PromiseRejectedResult).reason as unknown;
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toMatchObject({ code: '23505' });
    // 1-4 shared a statement that rolled back; 1, 2 and 4 then committed alone (3 is the row
    // that was there before).
    expect((await db.query<{ id: number }>(`SELECT id FROM notes ORDER BY id`)).map((row) => row.id)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(await transactions()).toEqual([[1], [2], [3], [4]]);
  });

  it('runs up to `statements` at once', async () => {
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 2, maxWrites: 16 });
    const written = [group.write(note(1))];
    await endOfTurn();
    written.push(group.write(note(2)));
    await endOfTurn();
    written.push(...[3, 4, 5].map((id) => group.write(note(id))));
    await Promise.all(written);
    // 1 and 2 each went out at the end of their turn; 3-5 waited for the first free slot.
    expect(await transactions()).toEqual([[1], [2], [3, 4, 5]]);
  });
});
