import { CatalogError } from './catalog-errors';

export type ProductSort = 'newest' | 'price_asc' | 'price_desc';

/** Where the previous page ended: the sort key and id of its last product (keyset pagination). */
export interface ProductCursor {
  readonly sort: ProductSort;
  readonly key: string | number;
  readonly id: string;
}

export function encodeCursor(cursor: ProductCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string, sort: ProductSort): ProductCursor {
  try {
    const [cursorSort, key, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const keyOk =
      sort === 'newest' ? typeof key === 'string' && !Number.isNaN(Date.parse(key)) : Number.isSafeInteger(key);
    if (cursorSort === sort && keyOk && typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)) {
      return { sort, key: key as string | number, id };
    }
  } catch {
    // reported below
  }
  throw new CatalogError('malformed-cursor', 'cursor is malformed or belongs to another sort order');
}
