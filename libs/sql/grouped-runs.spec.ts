import { GroupedRuns } from './grouped-runs';

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs groups of numbers, each until `release` is called; `groups` records them as started. */
function runs(slots: number) {
  const groups: number[][] = [];
  const running: (() => void)[] = [];
  const grouped = new GroupedRuns<number>(
    'numbers',
    slots,
    (waiting) => waiting.splice(0),
    (group) => {
      groups.push(group);
      return new Promise<void>((resolve) => running.push(resolve));
    },
  );
  const release = async () => {
    running.shift()?.();
    await endOfTurn();
  };
  return { grouped, groups, release };
}

describe('GroupedRuns', () => {
  it('starts what arrives while a slot is free at the end of the turn, together', async () => {
    const { grouped, groups } = runs(1);
    grouped.add(1);
    grouped.add(2);
    expect(groups).toEqual([]);
    await endOfTurn();
    expect(groups).toEqual([[1, 2]]);
  });

  it('keeps what arrives while every slot is busy for the next free one, as one group', async () => {
    const { grouped, groups, release } = runs(2);
    grouped.add(1);
    await endOfTurn();
    grouped.add(2);
    await endOfTurn();
    [3, 4, 5].forEach((item) => grouped.add(item));
    await endOfTurn();
    expect(groups).toEqual([[1], [2]]);

    await release();
    expect(groups).toEqual([[1], [2], [3, 4, 5]]);
  });
});
