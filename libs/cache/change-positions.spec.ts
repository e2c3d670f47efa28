import { ChangePositions } from './change-positions';

describe('change positions', () => {
  it('takes a value read at or after the latest change to its key, and any value of a key never changed', () => {
    const changes = new ChangePositions(10);
    changes.record(['catalog:categories'], '0/3000');
    expect(changes.covers('catalog:categories', '0/2FFF')).toBe(false);
    expect(changes.covers('catalog:categories', '0/3000')).toBe(true);
    expect(changes.covers('catalog:categories', '1/0')).toBe(true);
    expect(changes.covers('catalog:product:a', '0/1')).toBe(true);
  });

  it('keeps the newest position of a key when messages arrive out of order', () => {
    const changes = new ChangePositions(10);
    changes.record(['k'], '0/5000');
    changes.record(['k'], '0/4000');
    expect(changes.covers('k', '0/4800')).toBe(false);
  });

  it('forgets the positions heard of longest ago past its limit', () => {
    const changes = new ChangePositions(2);
    changes.record(['a', 'b'], '0/5000');
    changes.record(['a'], '0/5000'); // heard of again: now newer than b
    changes.record(['c'], '0/5000');
    expect(['a', 'b', 'c'].map((key) => changes.covers(key, '0/1'))).toEqual([false, true, false]);
  });
});
