import { GroupedLookup } from './grouped-lookup';

/** The end of the event loop's current turn: what was asked before it has started. */
const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupedLookup', () => {
  it('looks up the keys of lookups that wait together in one query, and answers each only its own', async () => {
    const queries: number[][] = [];
    const lookups = new GroupedLookup<number, string>(
      (ids) => {
        queries.push([...ids]);
        return Promise.resolve(new Map(ids.filter((id) => id < 50).map((id) => [id, `note ${id}`])));
      },
      { name: 'notes', statements: 1, maxKeys: 5 },
    );
    const asked = [[1], [2, 3], [3, 99], [4], [5, 6], [7]];
    const firstAnswer = lookups.lookup(asked[0]!);
    await endOfTurn(); // the first is in flight
    const answers = [firstAnswer, ...asked.slice(1).map((ids) => lookups.lookup(ids))];

    expect((await Promise.all(answers)).map((found) => [...found.keys()])).toEqual([
      [1],
      [2, 3],
      [3],
      [4],
      [5, 6],
      [7],
    ]);
    // The first alone; then as many as fit in 5 keys (3 asked twice counts twice), then the rest.
    expect(queries).toEqual([[1], [2, 3, 99, 4], [5, 6, 7]]);
  });

  it('fails every lookup of a query that fails, and the next query runs', async () => {
    let calls = 0;
    const lookups = new GroupedLookup<number, number>(
      (ids) =>
        ++calls === 1 ? Promise.reject(new Error('down')) : Promise.resolve(new Map(ids.map((id) => [id, id]))),
      { name: 'numbers', statements: 1, maxKeys: 10 },
    );
    const failed = await Promise.allSettled([lookups.lookup([1]), lookups.lookup([2])]);
    expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    await expect(lookups.lookup([3])).resolves.toEqual(new Map([[3, 3]]));
  });
});
