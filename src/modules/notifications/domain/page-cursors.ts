import { NotificationsError } from './notification-errors';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Where a page of endpoints ended (newest first): the creation time and id of its last row. */
export function encodeEndpointCursor(createdAt: Date, id: string): string {
  return Buffer.from(`e:${createdAt.toISOString()}|${id}`).toString('base64url');
}

export function decodeEndpointCursor(raw: string): { createdAt: Date; id: string } {
  const match = new RegExp(`^e:(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)\\|(${UUID})$`).exec(
    Buffer.from(raw, 'base64url').toString('utf8'),
  );
  const createdAt = match?.[1] ? new Date(match[1]) : undefined;
  if (!match?.[2] || !createdAt || Number.isNaN(createdAt.getTime())) {
    throw new NotificationsError('malformed-cursor', 'cursor is malformed');
  }
  return { createdAt, id: match[2] };
}

/** Where a page of the delivery log ended (newest first): the position of its last row. */
export function encodeDeliveryCursor(position: string): string {
  return Buffer.from(`d:${position}`).toString('base64url');
}

export function decodeDeliveryCursor(raw: string): string {
  const match = /^d:([1-9][0-9]{0,17})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!match?.[1]) throw new NotificationsError('malformed-cursor', 'cursor is malformed');
  return match[1];
}
