import { runsOfOneHandler } from './handler-runs';

describe('runsOfOneHandler', () => {
  const a = { name: 'a' };
  const b = { name: 'b' };

  it('groups consecutive deliveries of one handler and keeps the delivery order', () => {
    const items = [
      { handler: a, n: 1 },
      { handler: a, n: 2 },
      { handler: b, n: 3 },
      { handler: a, n: 4 },
      { handler: a, n: 5 },
    ];
    expect(runsOfOneHandler(items).map((run) => run.map((item) => item.n))).toEqual([[1, 2], [3], [4, 5]]);
  });

  it('has no runs for no deliveries', () => {
    expect(runsOfOneHandler([])).toEqual([]);
  });
});
