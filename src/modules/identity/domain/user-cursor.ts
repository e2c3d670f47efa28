import { IdentityError } from './identity-errors';

/**
 * Where a page of the account list (oldest first) ended: the creation time of its last account
 * to the microsecond, as PostgreSQL keeps it (ISO 8601, UTC), and its id. A `Date` holds only
 * milliseconds: a page ending at a rounded time would start the next one before its own end.
 */
export interface UserPosition {
  readonly createdAt: string;
  readonly id: string;
}

export function encodeUserCursor(position: UserPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

const MICROSECOND_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A real instant of years 0000-9999: its millisecond part must read back the same through `Date`. */
function isInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !MICROSECOND_INSTANT.test(value)) return false;
  const milliseconds = `${value.slice(0, 23)}Z`;
  const date = new Date(milliseconds);
  return !Number.isNaN(date.getTime()) && date.toISOString() === milliseconds;
}

/** The cursor as `encodeUserCursor` wrote it; anything else is refused before it reaches PostgreSQL. */
export function decodeUserCursor(raw: string): UserPosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (isInstant(createdAt) && typeof id === 'string' && UUID.test(id)) return { createdAt, id };
  } catch {
    // reported below
  }
  throw new IdentityError('malformed-cursor', 'cursor is malformed');
}
