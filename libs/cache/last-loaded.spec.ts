import { LastLoaded } from './last-loaded';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const TTL_MS = 10_000;

describe('LastLoaded', () => {
  let now: number;
  const later = (ms: number): void => {
    now += ms;
    jest.setSystemTime(now);
  };

  beforeEach(() => {
    now = Date.parse('2026-12-07T12:00:00Z');
    jest.useFakeTimers({ now });
  });
  afterEach(() => jest.useRealTimers());

  it('stands in for a load the database could not answer, until the stale window past the TTL ends', () => {
    const lastLoaded = new LastLoaded(60_000, 100);
    lastLoaded.set('catalog:product:1', { value: 'v1', lsn: '0/10' }, TTL_MS);
    later(TTL_MS + 59_000);
    expect(lastLoaded.standIn('catalog:product:1', refused, undefined)).toEqual({ value: 'v1', lsn: '0/10' });
    later(2_000);
    expect(lastLoaded.standIn('catalog:product:1', refused, undefined)).toBeUndefined();
  });

  it('stands in only when the database could not be reached', () => {
    const lastLoaded = new LastLoaded(60_000, 100);
    lastLoaded.set('catalog:product:1', { value: 'v1', lsn: '0/10' }, TTL_MS);
    expect(lastLoaded.standIn('catalog:product:1', new Error('product 1 does not exist'), undefined)).toBeUndefined();
    expect(lastLoaded.standIn('catalog:product:1', new Error('Connection terminated unexpectedly'), undefined)).toEqual(
      { value: 'v1', lsn: '0/10' },
    );
  });

  it('never stands in with an entry older than a consistency token asks for', () => {
    const lastLoaded = new LastLoaded(60_000, 100);
    lastLoaded.set('catalog:product:1', { value: 'v1', lsn: '0/10' }, TTL_MS);
    expect(lastLoaded.standIn('catalog:product:1', refused, '0/20')).toBeUndefined();
    expect(lastLoaded.standIn('catalog:product:1', refused, '0/10')).toBeDefined();
  });

  it('forgets what an invalidation names, one key or all', () => {
    const lastLoaded = new LastLoaded(60_000, 100);
    lastLoaded.set('catalog:product:1', { value: 'v1', lsn: '0/10' }, TTL_MS);
    lastLoaded.set('catalog:product:2', { value: 'v2', lsn: '0/10' }, TTL_MS);
    lastLoaded.forget('catalog:product:1');
    expect(lastLoaded.standIn('catalog:product:1', refused, undefined)).toBeUndefined();
    expect(lastLoaded.standIn('catalog:product:2', refused, undefined)).toBeDefined();
    lastLoaded.clear();
    expect(lastLoaded.standIn('catalog:product:2', refused, undefined)).toBeUndefined();
  });

  it('keeps nothing when the stale window is 0', () => {
    const lastLoaded = new LastLoaded(0, 100);
    lastLoaded.set('catalog:product:1', { value: 'v1', lsn: '0/10' }, TTL_MS);
    expect(lastLoaded.standIn('catalog:product:1', refused, undefined)).toBeUndefined();
  });

  it('keeps the most recently loaded keys when full', () => {
    const lastLoaded = new LastLoaded(60_000, 2);
    for (const id of [1, 2, 3]) lastLoaded.set(`catalog:product:${id}`, { value: `v${id}`, lsn: '0/10' }, TTL_MS);
    expect(lastLoaded.standIn('catalog:product:1', refused, undefined)).toBeUndefined();
    expect(lastLoaded.standIn('catalog:product:3', refused, undefined)).toBeDefined();
  });
});
