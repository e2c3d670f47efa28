import { ProductCopyCache } from './product-copy-cache';
import type { ProductCopy } from '../domain/order';

const copy = (productId: string, version = 1, status: ProductCopy['status'] = 'active'): ProductCopy => ({
  productId,
  sku: `SKU-${productId}`,
  name: `product ${productId}`,
  price: { amount: 100, currency: 'EUR' },
  status,
  version,
});

describe('ProductCopyCache', () => {
  it('answers only when it keeps every product asked for', () => {
    const cache = new ProductCopyCache(10);
    cache.remember([copy('a'), copy('b')]);
    expect([...cache.all(['a', 'b'])!.keys()]).toEqual(['a', 'b']);
    expect(cache.all(['a', 'c'])).toBeUndefined();
  });

  it('keeps products for sale only, and forgets one that is no longer for sale', () => {
    const cache = new ProductCopyCache(10);
    cache.remember([copy('a'), copy('d', 1, 'draft'), copy('x', 1, 'archived')]);
    expect(cache.all(['d'])).toBeUndefined();
    expect(cache.all(['x'])).toBeUndefined();
    cache.remember([copy('a', 2, 'archived')]);
    expect(cache.all(['a'])).toBeUndefined();
  });

  it('keeps the newest copy it was given, whatever the order they came in, and forgets on request', () => {
    const cache = new ProductCopyCache(10);
    cache.remember([copy('a', 1)]);
    cache.remember([copy('a', 3)]);
    cache.remember([copy('a', 2)]); // a read that started before the change ended after it
    expect(cache.all(['a'])!.get('a')!.version).toBe(3);
    cache.forget(['a']);
    expect(cache.all(['a'])).toBeUndefined();
  });

  it('holds at most its capacity, letting the longest kept go first', () => {
    const cache = new ProductCopyCache(2);
    cache.remember([copy('a'), copy('b')]);
    cache.remember([copy('a', 2)]); // refreshed: now the newest
    cache.remember([copy('c')]);
    expect(cache.all(['b'])).toBeUndefined();
    expect(cache.all(['a', 'c'])).toBeDefined();
  });
});
