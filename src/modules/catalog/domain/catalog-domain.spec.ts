import { decodeCursor, encodeCursor } from './product-cursor';
import { searchText } from './search-text';
import { money } from './money';
import { parseIfMatch } from './if-match';
import {
  archiveProduct,
  changeProduct,
  productEtag,
  versionAllowed,
  versionsIfMatch,
  type ProductState,
} from './product';

const product: ProductState = {
  id: '6f1c1c0e-1d1b-4c43-9b61-0c9b0a1f2a3b',
  sku: 'SKU-1',
  name: 'Lamp',
  description: '',
  categoryId: '0b4c4bd2-7a55-4f2e-9a3e-1e1f1c1d1a1b',
  price: { amount: 1999, currency: 'EUR' },
  attributes: {},
  status: 'active',
  version: 3,
};

describe('money', () => {
  it('holds whole minor units of a currency', () => {
    expect(money(1999, 'EUR')).toEqual({ amount: 1999, currency: 'EUR' });
    expect(() => money(-1, 'EUR')).toThrow('price.amount must be a whole number');
    expect(() => money(19.99, 'EUR')).toThrow('price.amount must be a whole number');
    expect(() => money(100, 'euro')).toThrow('price.currency must be an ISO 4217 code');
  });
});

describe('product life', () => {
  it('bumps the version on every change and keeps archived final', () => {
    const renamed = changeProduct(product, { name: 'Desk lamp' });
    expect(renamed).toMatchObject({ name: 'Desk lamp', version: 4 });
    const archived = archiveProduct(renamed);
    expect(archived).toMatchObject({ status: 'archived', version: 5 });
    expect(archiveProduct(archived)).toBe(archived);
    expect(() => changeProduct(archived, { name: 'x' })).toThrow('an archived product cannot change');
    expect(() => changeProduct(product, { status: 'archived' })).toThrow('archive a product with DELETE');
  });

  it('round-trips its version through a strong ETag', () => {
    expect(productEtag(product)).toBe(`"${product.id}.3"`);
    expect(versionsIfMatch(productEtag(product), product.id)).toEqual([3]);
    expect(versionsIfMatch(productEtag(product), '00000000-0000-4000-8000-000000000000')).toEqual([]);
    // The id as a client may write it: the ETag names the same product.
    expect(versionsIfMatch(productEtag(product), product.id.toUpperCase())).toEqual([3]);
  });
});

describe('If-Match (RFC 9110 §13.1.1)', () => {
  const etag = (version: number, id = product.id) => `"${id}.${version}"`;
  const other = '0b4c4bd2-7a55-4f2e-9a3e-1e1f1c1d1a1b';

  it('reads `*`, and lists with empty members and spaces around commas', () => {
    expect(parseIfMatch(' * ')).toBe('*');
    expect(parseIfMatch('"a", W/"b",,"c,d" ,\t"" ')).toEqual([
      { opaque: 'a', weak: false },
      { opaque: 'b', weak: true },
      { opaque: 'c,d', weak: false },
      { opaque: '', weak: false },
    ]);
  });

  it('refuses what is neither', () => {
    for (const value of ['a', '"a" "b"', '"a', 'w/"a"', '"a b"', '*, "a"', '"a";"b"']) {
      expect({ value, parsed: parseIfMatch(value) }).toEqual({ value, parsed: undefined });
    }
  });

  it('`*` allows any version', () => {
    expect(versionsIfMatch('*', product.id)).toBe('any');
    expect(versionAllowed('any', 7)).toBe(true);
  });

  it('a list allows the versions its strong tags name of this product, and nothing else', () => {
    const condition = versionsIfMatch(`${etag(1)}, W/${etag(2)}, ${etag(3, other)}, "x", ${etag(4)}`, product.id);
    expect(condition).toEqual([1, 4]);
    expect([1, 2, 3, 4].map((version) => versionAllowed(condition, version))).toEqual([true, false, false, true]);
  });

  it('a weak tag never matches, nor does a malformed value', () => {
    expect(versionsIfMatch(`W/${etag(3)}`, product.id)).toEqual([]);
    expect(versionsIfMatch(`${etag(3)} garbage`, product.id)).toEqual([]);
    expect(versionsIfMatch('', product.id)).toEqual([]);
  });
});

describe('product cursor', () => {
  it('round-trips and refuses a cursor of another sort or garbage', () => {
    const cursor = { sort: 'price_asc' as const, key: 1999, id: product.id };
    expect(decodeCursor(encodeCursor(cursor), 'price_asc')).toEqual(cursor);
    expect(() => decodeCursor(encodeCursor(cursor), 'newest')).toThrow('cursor is malformed');
    expect(() => decodeCursor('bm90IGpzb24', 'newest')).toThrow('cursor is malformed');
  });

  it('refuses what PostgreSQL would refuse as a timestamp or a uuid', () => {
    const forged = (value: unknown[]) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const newest = { sort: 'newest' as const, key: '2026-03-01T10:00:00.000Z', id: product.id };
    expect(decodeCursor(encodeCursor(newest), 'newest')).toEqual(newest);
    for (const key of ['1', 'March 1', '+275760-09-13T00:00:00.000Z', '2026-02-31T00:00:00.000Z', '2026-03-01']) {
      expect(() => decodeCursor(forged(['newest', key, product.id]), 'newest')).toThrow('cursor is malformed');
    }
    for (const id of ['-'.repeat(36), product.id.toUpperCase(), `${product.id.slice(0, 35)}g`]) {
      expect(() => decodeCursor(forged(['price_asc', 1, id]), 'price_asc')).toThrow('cursor is malformed');
    }
    expect(() => decodeCursor(forged(['price_asc', 1e23, product.id]), 'price_asc')).toThrow('cursor is malformed');
  });
});

describe('search text', () => {
  it('keeps words, phrases, or and a single negation as they are', () => {
    for (const q of ['brass lamp', '"desk lamp" or floor -red', 'x-y', 'a--b', '-"two words"', 'lamp -']) {
      expect(searchText(q)).toBe(q);
    }
  });

  it('folds stacked negations to what they mean (odd: one, even: none)', () => {
    expect(searchText('--x')).toBe(' x');
    expect(searchText('---x')).toBe('-x');
    expect(searchText('lamp - - -red')).toBe('lamp -red');
    expect(searchText('-!-(-x')).toBe('-x');
    expect(searchText('-'.repeat(40) + 'x')).toBe(' x');
    expect(searchText('-'.repeat(41) + 'x')).toBe('-x');
    expect(searchText('a - -"b c"')).toBe('a  "b c"');
  });
});
