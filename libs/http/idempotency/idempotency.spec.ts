import { canonicalJson } from './canonical-json';
import { checkIdempotencyKey, requestHash } from './request-identity';

describe('canonical JSON', () => {
  it('is the same text for the same value, whatever the key order', () => {
    const a = {
      lines: [{ quantity: 1, productId: 'p' }],
      paymentMethod: 'card',
      total: { currency: 'EUR', amount: 5 },
    };
    const b = {
      total: { amount: 5, currency: 'EUR' },
      paymentMethod: 'card',
      lines: [{ productId: 'p', quantity: 1 }],
    };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe(
      '{"lines":[{"productId":"p","quantity":1}],"paymentMethod":"card","total":{"amount":5,"currency":"EUR"}}',
    );
  });

  it('survives a round trip through a store that forgets key order (as jsonb does)', () => {
    const body = { id: 'x', createdAt: new Date('2026-01-02T03:04:05.678Z'), cancelReason: undefined, n: 0.1 };
    const text = canonicalJson(body);
    const reordered = Object.fromEntries(Object.entries(JSON.parse(text) as object).reverse());
    expect(canonicalJson(reordered)).toBe(text);
    expect(text).toBe('{"createdAt":"2026-01-02T03:04:05.678Z","id":"x","n":0.1}');
  });

  it('keeps a "__proto__" key as data', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });
});

describe('idempotency keys', () => {
  it('accepts 1 to 255 printable ASCII characters', () => {
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(checkIdempotencyKey(uuid)).toEqual({ key: uuid });
    expect(checkIdempotencyKey('k'.repeat(255))).toEqual({ key: 'k'.repeat(255) });
    const missing = { error: 'send an Idempotency-Key header (a fresh UUID per new request)' };
    expect(checkIdempotencyKey(undefined)).toEqual(missing);
    expect(checkIdempotencyKey('')).toEqual(missing);
    const malformed = { error: 'Idempotency-Key must be 1 to 255 printable ASCII characters' };
    expect(checkIdempotencyKey('k'.repeat(256))).toEqual(malformed);
    expect(checkIdempotencyKey('clé')).toEqual(malformed);
    expect(checkIdempotencyKey('a\tb')).toEqual(malformed);
  });

  it('hashes method, path and body, not the order of the body keys', () => {
    const base = {
      method: 'POST',
      path: '/v1/orders',
      body: { lines: [{ productId: 'p', quantity: 1 }], paymentMethod: 'card' },
    };
    const same = { ...base, body: { paymentMethod: 'card', lines: [{ quantity: 1, productId: 'p' }] } };
    expect(requestHash(same)).toBe(requestHash(base));
    expect(requestHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash({ ...base, body: { ...base.body, paymentMethod: 'other' } })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, path: '/v1/refunds' })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, method: 'PUT' })).not.toBe(requestHash(base));
  });
});
