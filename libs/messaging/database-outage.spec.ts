import { outageWaitMs } from './database-outage';

describe('outageWaitMs', () => {
  it('doubles from half a second up to five, each time put back', () => {
    expect([0, 1, 2, 3, 4, 10, 1000].map((times) => outageWaitMs(times, 0))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000, 5000,
    ]);
  });

  it('takes up to half off at random, so jobs put back together spread out', () => {
    expect(outageWaitMs(0, 1)).toBe(250);
    expect(outageWaitMs(4, 0.5)).toBe(3750);
  });
});
