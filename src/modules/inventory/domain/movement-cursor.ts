import { InventoryError } from './inventory-errors';

/** Where a page of the audit trail ended: the id of its last (oldest) movement. */
export function encodeMovementCursor(lastId: string): string {
  return Buffer.from(`m:${lastId}`).toString('base64url');
}

export function decodeMovementCursor(raw: string): string {
  const match = /^m:([1-9][0-9]{0,17})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new InventoryError('malformed-cursor', 'cursor is malformed');
  return match[1];
}
