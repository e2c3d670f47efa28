import { BacklogLimit } from './order-backlog';

describe('BacklogLimit', () => {
  it('takes orders while fewer than the limit are in the saga', () => {
    const limit = new BacklogLimit(3);
    expect([0, 1, 2].map((n) => limit.admits(n))).toEqual([true, true, true]);
    expect([3, 4, 1_000].map((n) => limit.admits(n))).toEqual([false, false, false]);
    expect(limit.countUpTo).toBe(6);
  });

  it('takes every order when the limit is 0', () => {
    const limit = new BacklogLimit(0);
    expect(limit.off).toBe(true);
    expect(limit.admits(10_000_000)).toBe(true);
    expect(limit.countUpTo).toBe(100_000);
  });

  it('refuses a limit that is not a whole number ≥ 0', () => {
    expect(() => new BacklogLimit(-1)).toThrow(RangeError);
    expect(() => new BacklogLimit(1.5)).toThrow(RangeError);
  });
});
