import { lsnAtLeast, lsnValue } from './lsn';

describe('LSNs', () => {
  it('order by both halves', () => {
    expect(lsnAtLeast('16/B374D848', '16/B374D848')).toBe(true);
    expect(lsnAtLeast('17/0', '16/FFFFFFFF')).toBe(true);
    expect(lsnAtLeast('16/B374D847', '16/B374D848')).toBe(false);
    expect(lsnValue('not-an-lsn')).toBeUndefined();
    expect(lsnAtLeast('garbage', '0/0')).toBe(false);
  });
});
