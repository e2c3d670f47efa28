import { QueryFailedError, type DataSource } from 'typeorm';
import { GroupCommit, type GroupedWrite } from './group-commit';

const LSN = '0/16B3748';

/**
 * A primary that answers each grouped statement with its parameters named `AS rN`, fails one
 * that writes a value in `refused`, and fails the LSN read when `lsnDown`.
 */
function primary(refused: number[] = [], lsnDown = false) {
  const statements: number[][] = [];
  const client = {
    query: ({ text, values = [] }: { text: string; values?: unknown[] }) => {
      if (text.startsWith('SELECT pg_current_wal_lsn()')) {
        return lsnDown ? Promise.reject(new Error('gone')) : Promise.resolve({ rows: [{ lsn: LSN }] });
      }
      statements.push(values as number[]);
      if (values.some((value) => refused.includes(value as number))) return Promise.reject(new Error('duplicate'));
      const row: Record<string, unknown> = {};
      for (const [, n, i] of text.matchAll(/\$(\d+)::int AS r(\d+)/g)) row[`r${i}`] = values[Number(n) - 1];
      return Promise.resolve({ rows: [row] });
    },
  };
  const runner = { connect: () => Promise.resolve(client), release: () => Promise.resolve() };
  return { dataSource: { createQueryRunner: () => runner } as unknown as DataSource, statements };
}

/** Writes `id`, and resolves with it. */
function note(id: number, key?: string): GroupedWrite {
  return {
    ...(key ? { key } : {}),
    build: (params, suffix) => {
      const value = `$${params.push(id)}::int`;
      return { ctes: [`written${suffix} AS (SELECT ${value})`], result: value };
    },
  };
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('sends the writes of one turn as one statement, the ones that arrive meanwhile as the next', async () => {
    const { dataSource, statements } = primary();
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 1, maxWrites: 3 });
    const first = [1, 2].map((id) => group.commit<number>(note(id)));
    await endOfTurn(); // 1 and 2 are in flight
    const rest = [3, 4, 5, 6].map((id) => group.write<number>(note(id)));

    expect(await Promise.all(first)).toEqual([
      { result: 1, lsn: LSN },
      { result: 2, lsn: LSN },
    ]);
    expect(await Promise.all(rest)).toEqual([3, 4, 5, 6]);
    expect(statements).toEqual([[1, 2], [3, 4, 5], [6]]);
  });

  it('never puts two writes with one key in one statement', async () => {
    const { dataSource, statements } = primary();
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 1, maxWrites: 16 });
    await Promise.all([note(1), note(2, 'a'), note(3, 'a'), note(4, 'b')].map((write) => group.write(write)));
    expect(statements).toEqual([[1, 2, 4], [3]]);
  });

  it('runs the writes of a failed statement again one by one: only the write at fault fails', async () => {
    const { dataSource, statements } = primary([3]);
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 1, maxWrites: 16 });
    const outcomes = await Promise.allSettled([1, 2, 3].map((id) => group.write(note(id))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(QueryFailedError);
    expect(statements).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('answers without an LSN when reading it fails after the commit', async () => {
    const { dataSource } = primary([], true);
    const group = new GroupCommit(dataSource, { name: 'notes', statements: 1, maxWrites: 16 });
    await expect(group.commit(note(1))).resolves.toEqual({ result: 1, lsn: undefined });
  });
});
