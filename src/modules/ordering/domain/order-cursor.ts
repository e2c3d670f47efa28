import { OrderingError } from './ordering-errors';

/** Where the previous page of a customer's orders ended (newest first: creation time, then id). */
export interface OrderCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export function encodeOrderCursor(cursor: OrderCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString('base64url');
}

/** What `toISOString` writes (years 0000-9999): the only creation times a cursor of ours carries. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The cursor as `encodeOrderCursor` wrote it; anything else (a time PostgreSQL cannot hold) is malformed. */
export function decodeOrderCursor(raw: string): OrderCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof createdAt === 'string' &&
      ISO_INSTANT.test(createdAt) &&
      new Date(createdAt).toISOString() === createdAt &&
      typeof id === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)
    ) {
      return { createdAt: new Date(createdAt), id };
    }
  } catch {
    // reported below
  }
  throw new OrderingError('malformed-cursor', 'cursor is malformed');
}
