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

/** What `toISOString` writes (years 0000-9999): the only creation times a cursor of ours carries. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function isInstant(key: unknown): key is string {
  return typeof key === 'string' && ISO_INSTANT.test(key) && new Date(key).toISOString() === key;
}

/** The cursor as `encodeCursor` wrote it for this sort; anything else is refused before it reaches PostgreSQL. */
export function decodeCursor(raw: string, sort: ProductSort): ProductCursor {
  try {
    const [cursorSort, key, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    const keyOk = sort === 'newest' ? isInstant(key) : Number.isSafeInteger(key);
    if (cursorSort === sort && keyOk && typeof id === 'string' && UUID.test(id)) {
      return { sort, key: key as string | number, id };
    }
  } catch {
    // reported below
  }
  throw new CatalogError('malformed-cursor', 'cursor is malformed or belongs to another sort order');
}
