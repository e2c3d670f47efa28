import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old a signed webhook may be: older ones are refused as possible replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`: the provider's signature header. */
export function signWebhook(secret: string, rawBody: string | Buffer, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, rawBody)}`;
}

export type SignatureVerdict =
  | { readonly valid: true; readonly timestamp: number }
  | { readonly valid: false; readonly reason: 'malformed' | 'too-old' | 'from-the-future' | 'mismatch' };

/**
 * Checks a signature header against the raw body as received. Every `v1` in the header is
 * tried (a provider rotating its secret sends two); the comparison is constant-time so a
 * forger learns nothing from how long a refusal takes.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Buffer,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): SignatureVerdict {
  if (!header) return { valid: false, reason: 'malformed' };
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([key]) => key === 't').map(([, value]) => value ?? '');
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0]!) || signatures.length === 0) {
    return { valid: false, reason: 'malformed' };
  }
  const timestamp = Number(timestamps[0]);
  if (nowSeconds - timestamp > toleranceSeconds) return { valid: false, reason: 'too-old' };
  if (timestamp - nowSeconds > toleranceSeconds) return { valid: false, reason: 'from-the-future' };
  const expected = Buffer.from(hmac(secret, timestamp, rawBody), 'hex');
  const matches = signatures.some((signature) => {
    if (!/^[0-9a-f]{64}$/.test(signature)) return false;
    return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
  });
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'mismatch' };
}

function hmac(secret: string, unixSeconds: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest('hex');
}
