import { comesBefore, mayAttempt, nextInLine, type SequencedDelivery } from './delivery-sequence';
import { orderEmail } from './order-email';
import { decodeDeliveryCursor, decodeEndpointCursor, encodeDeliveryCursor, encodeEndpointCursor } from './page-cursors';
import { afterFailedAttempt, MAX_RETRY_DELAY_MS } from './retry-schedule';
import { embeddedIPv4, forbiddenAddressReason, ipv6Groups } from './target-address';
import { webhookBody } from './webhook-body';
import { afterAttempt, canManage } from './webhook-endpoint';
import { newSigningSecret, signatureHeader, verifySignature } from './webhook-signature';
import { judgeTarget, WebhookUrl } from './webhook-target';
import { createHmac } from 'node:crypto';

describe('webhook target addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['::127.0.0.1', 'reserved'],
  ])('%s is refused as %s', (address, reason) => {
    expect(forbiddenAddressReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2001:db8::1'])(
    '%s is a public address',
    (address) => {
      expect(forbiddenAddressReason(address)).toBeUndefined();
    },
  );

  it('refuses what is not an IP address at all', () => {
    expect(forbiddenAddressReason('localhost')).toBe('not-an-ip');
  });

  it('expands IPv6 forms, dotted tails included', () => {
    expect(ipv6Groups('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(ipv6Groups('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ipv6Groups('1::8')).toEqual([1, 0, 0, 0, 0, 0, 0, 8]);
    expect(embeddedIPv4('::ffff:c0a8:101')).toBe('192.168.1.1');
    expect(embeddedIPv4('2001:db8::1')).toBeUndefined();
  });
});

describe('the SSRF rule for a webhook URL', () => {
  const strict = { allowPrivate: false, allowedTargets: [] };

  it('accepts http(s) only, without credentials', () => {
    expect(() => WebhookUrl.parse('ftp://example.com/')).toThrow('http or https');
    expect(() => WebhookUrl.parse('not a url')).toThrow();
    expect(() => WebhookUrl.parse('https://user:pw@example.com/')).toThrow('credentials');
    expect(WebhookUrl.parse('https://Example.com/hook').hostPort).toBe('example.com:443');
    expect(WebhookUrl.parse('http://[::1]:8080/x')).toMatchObject({ hostname: '::1', hostPort: '[::1]:8080' });
  });

  it('refuses a host when ANY of its addresses is internal', () => {
    const url = WebhookUrl.parse('https://rebind.example/hook');
    expect(judgeTarget(url, ['93.184.216.34'], strict)).toEqual({ allowed: true });
    expect(judgeTarget(url, ['93.184.216.34', '10.0.0.7'], strict)).toEqual({
      allowed: false,
      address: '10.0.0.7',
      reason: 'private',
    });
  });

  it('allows exactly the listed host:port, and everything with the global switch', () => {
    const listed = WebhookUrl.parse('http://127.0.0.1:4000/hook');
    const otherPort = WebhookUrl.parse('http://127.0.0.1:4001/hook');
    const policy = { allowPrivate: false, allowedTargets: ['127.0.0.1:4000'] };
    expect(judgeTarget(listed, ['127.0.0.1'], policy).allowed).toBe(true);
    expect(judgeTarget(otherPort, ['127.0.0.1'], policy).allowed).toBe(false);
    expect(judgeTarget(otherPort, ['127.0.0.1'], { allowPrivate: true, allowedTargets: [] }).allowed).toBe(true);
  });
});

describe('webhook signatures', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256, hex, in the documented header format', () => {
    const body = '{"id":"e1","type":"order.placed"}';
    const expected = createHmac('sha256', 'whsec_test').update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader('whsec_test', body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature and rejects a changed body, another secret or an old timestamp', () => {
    const header = signatureHeader('whsec_a', 'body', 1000);
    expect(verifySignature('whsec_a', 'body', header, 1010)).toBe(true);
    expect(verifySignature('whsec_a', 'body!', header, 1010)).toBe(false);
    expect(verifySignature('whsec_b', 'body', header, 1010)).toBe(false);
    expect(verifySignature('whsec_a', 'body', header, 2000)).toBe(false);
  });

  it('makes secrets of 32 random bytes', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newSigningSecret()).not.toBe(secret);
  });
});

describe('the retry schedule', () => {
  const policy = { maxAttempts: 15, baseDelayMs: 30_000 };

  it('doubles from the base delay, within ±20 % jitter', () => {
    expect(afterFailedAttempt(1, policy, 0.5)).toEqual({ kind: 'retry', delayMs: 30_000 });
    expect(afterFailedAttempt(2, policy, 0.5)).toEqual({ kind: 'retry', delayMs: 60_000 });
    expect(afterFailedAttempt(3, policy, 0)).toEqual({ kind: 'retry', delayMs: 96_000 });
    expect(afterFailedAttempt(3, policy, 0.999999)).toEqual({ kind: 'retry', delayMs: 144_000 });
  });

  it('caps each wait, and gives up after the last attempt', () => {
    const late = afterFailedAttempt(14, policy, 0.5);
    expect(late).toEqual({ kind: 'retry', delayMs: MAX_RETRY_DELAY_MS });
    expect(afterFailedAttempt(15, policy, 0.5)).toEqual({ kind: 'give-up' });
  });

  it('spreads the default schedule over about a day', () => {
    let total = 0;
    for (let attempt = 1; attempt < 15; attempt++) {
      const next = afterFailedAttempt(attempt, policy, 0.5);
      if (next.kind === 'retry') total += next.delayMs;
    }
    expect(total / 3600_000).toBeGreaterThan(20);
    expect(total / 3600_000).toBeLessThan(30);
  });
});

describe('the order of deliveries in one (endpoint, order) sequence', () => {
  const at = (ms: number, position: number, id = `d${position}`): SequencedDelivery => ({
    id,
    occurredAt: new Date(ms),
    position,
  });

  it('orders by when the event happened, then by when the delivery was recorded', () => {
    expect(comesBefore(at(1, 9), at(2, 1))).toBe(true);
    expect(comesBefore(at(2, 1), at(1, 9))).toBe(false);
    expect(comesBefore(at(5, 1), at(5, 2))).toBe(true);
  });

  it('holds a delivery back while an earlier one is unfinished', () => {
    const placed = at(1, 1);
    const confirmed = at(2, 2);
    expect(mayAttempt(confirmed, [placed, confirmed])).toBe(false);
    expect(mayAttempt(placed, [placed, confirmed])).toBe(true);
    expect(mayAttempt(confirmed, [confirmed])).toBe(true);
  });

  it('releases the earliest unfinished delivery next', () => {
    expect(nextInLine([at(3, 3), at(2, 2), at(4, 1)])?.id).toBe('d2');
    expect(nextInLine([])).toBeUndefined();
  });
});

describe('webhook endpoints', () => {
  it('are managed by their owner or an admin', () => {
    expect(canManage('u1', { id: 'u1', isAdmin: false })).toBe(true);
    expect(canManage('u1', { id: 'u2', isAdmin: false })).toBe(false);
    expect(canManage('u1', { id: 'u2', isAdmin: true })).toBe(true);
  });

  it('are disabled by the Nth failure in a row; a success resets the run', () => {
    let run = { consecutiveFailures: 0, status: 'active' as const } as Parameters<typeof afterAttempt>[0];
    run = afterAttempt(run, false, 3);
    run = afterAttempt(run, false, 3);
    expect(run).toEqual({ consecutiveFailures: 2, status: 'active' });
    expect(afterAttempt(run, true, 3)).toEqual({ consecutiveFailures: 0, status: 'active' });
    expect(afterAttempt(run, false, 3)).toEqual({ consecutiveFailures: 3, status: 'disabled' });
  });
});

describe('webhook bodies, emails and cursors', () => {
  it('posts {id, type, createdAt, data} with the event payload as published', () => {
    const payload = { orderId: 'o1', customerId: 'c1' };
    const body = webhookBody('order.placed', { id: 'e1', occurredAt: '2025-01-01T00:00:00.000Z', payload });
    expect(JSON.parse(body)).toEqual({
      id: 'e1',
      type: 'order.placed',
      createdAt: '2025-01-01T00:00:00.000Z',
      data: payload,
    });
  });

  it('names the order, its status and total in both bodies; escapes HTML', () => {
    const total = { amount: 1999, currency: 'EUR' };
    const confirmed = orderEmail('a@b.test', { kind: 'confirmed', orderId: 'order-1', total });
    expect(confirmed.subject).toContain('order-1');
    for (const body of [confirmed.text, confirmed.html]) {
      expect(body).toContain('order-1');
      expect(body).toContain('confirmed');
      expect(body).toContain('19.99 EUR');
    }
    const cancelled = orderEmail('a@b.test', { kind: 'cancelled', orderId: '<o>', total, reason: 'payment_failed' });
    expect(cancelled.text).toContain('payment_failed');
    expect(cancelled.html).toContain('&#60;o&#62;');
    expect(cancelled.html).not.toContain('<o>');
  });

  it('round-trips cursors and refuses forged ones', () => {
    const created = new Date('2025-02-03T04:05:06.789Z');
    const id = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    expect(decodeEndpointCursor(encodeEndpointCursor(created, id))).toEqual({ createdAt: created, id });
    expect(decodeDeliveryCursor(encodeDeliveryCursor('42'))).toBe('42');
    expect(() => decodeDeliveryCursor(Buffer.from('d:1 OR 1=1').toString('base64url'))).toThrow('malformed');
    expect(() => decodeEndpointCursor('garbage')).toThrow('malformed');
  });
});
