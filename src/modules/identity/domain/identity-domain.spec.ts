import { assertStillAdmin, rolesAfterAdminChange } from './admin-role-change';
import { EmailAddress } from './email-address';
import { claimLoginAttempt, gateLogin, recordFailure, type LoginFailures } from './login-throttle';
import { assertAcceptablePassword } from './password-policy';
import { decideRefresh } from './refresh-token-rotation';
import { decodeUserCursor, encodeUserCursor } from './user-cursor';
import { initialRoles, withoutRole, withRole } from './user-roles';

const now = new Date('2026-11-28T12:00:00Z');
const policy = { slowdownAfter: 3, lockAfter: 5, lockMinutes: 15 };

describe('EmailAddress', () => {
  it('is case-insensitive and trimmed', () => {
    expect(EmailAddress.parse('  Ada@Example.COM ').value).toBe('ada@example.com');
  });
  it('refuses what is not an address', () => {
    expect(() => EmailAddress.parse('ada@')).toThrow('email must be a valid address');
    expect(() => EmailAddress.parse(`${'a'.repeat(250)}@x.io`)).toThrow('email must be a valid address');
  });
});

describe('password policy', () => {
  it('wants 10 to 128 characters that are not the email', () => {
    expect(() => assertAcceptablePassword('short', 'a@b.io')).toThrow('password must be 10 to 128 characters');
    expect(() => assertAcceptablePassword('x'.repeat(129), 'a@b.io')).toThrow('password must be 10 to 128 characters');
    expect(() => assertAcceptablePassword('ada@example.com', 'ada@example.com')).toThrow('must not be the email');
    expect(() => assertAcceptablePassword('correct horse battery', 'a@b.io')).not.toThrow();
  });
});

describe('refresh token rotation', () => {
  const later = new Date(now.getTime() + 60_000);
  const token = (status: 'active' | 'rotated' | 'revoked', expiresAt = later, familyRevoked = false) => ({
    status,
    expiresAt,
    familyRevoked,
  });
  it('rotates an active token and refuses an expired, revoked or unknown one', () => {
    expect(decideRefresh(token('active'), now)).toBe('rotate');
    expect(decideRefresh(token('active', now), now)).toBe('refuse');
    expect(decideRefresh(token('revoked'), now)).toBe('refuse');
    expect(decideRefresh(undefined, now)).toBe('refuse');
  });
  it('revokes the whole family when a rotated token comes back', () => {
    expect(decideRefresh(token('rotated'), now)).toBe('revoke-family');
  });
  it('refuses any token of a revoked family, even one still marked active', () => {
    expect(decideRefresh(token('active', later, true), now)).toBe('refuse');
    expect(decideRefresh(token('rotated', later, true), now)).toBe('refuse');
  });
});

describe('login throttle', () => {
  it('lets the first attempts through at once, then slows down, then locks', () => {
    expect(gateLogin(undefined, policy, now)).toEqual({ allowed: true, delayMs: 0 });
    let failures = recordFailure(undefined, policy, now);
    failures = recordFailure(failures, policy, now);
    failures = recordFailure(failures, policy, now);
    expect(gateLogin(failures, policy, now)).toEqual({ allowed: true, delayMs: 250 });
    failures = recordFailure(failures, policy, now);
    expect(gateLogin(failures, policy, now)).toEqual({ allowed: true, delayMs: 500 });
    failures = recordFailure(failures, policy, now);
    expect(failures.lockedUntil).toEqual(new Date(now.getTime() + 15 * 60_000));
    expect(gateLogin(failures, policy, now)).toEqual({ allowed: false });
    expect(gateLogin(failures, policy, new Date(now.getTime() + 16 * 60_000)).allowed).toBe(true);
  });
  it('counts an attempt before its password is checked, and refuses it uncounted while locked', () => {
    const strict = { slowdownAfter: 100, lockAfter: 3, lockMinutes: 15 };
    let failures: LoginFailures = { count: 0, lockedUntil: null };
    const claims: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const claim = claimLoginAttempt(failures, strict, now);
      claims.push(claim.allowed);
      if (claim.allowed) failures = claim.claimed;
    }
    expect(claims).toEqual([true, true, true, false, false]);
    expect(failures).toEqual({ count: 3, lockedUntil: new Date(now.getTime() + 15 * 60_000) });
  });
  it('slows an attempt down by the failures before it', () => {
    const claim = claimLoginAttempt({ count: 4, lockedUntil: null }, policy, now);
    expect(claim).toEqual({ allowed: true, delayMs: 500, claimed: { count: 5, lockedUntil: expect.any(Date) } });
  });
  it('starts counting again once a lock has expired', () => {
    const locked = { count: 5, lockedUntil: new Date(now.getTime() - 1) };
    expect(recordFailure(locked, policy, now)).toEqual({ count: 1, lockedUntil: null });
  });
});

describe('roles', () => {
  it('makes listed emails admins and everyone a customer', () => {
    expect(initialRoles('boss@x.io', ['boss@x.io'])).toEqual(['customer', 'admin']);
    expect(initialRoles('ada@x.io', ['boss@x.io'])).toEqual(['customer']);
    expect(withRole(['customer'], 'admin')).toEqual(['customer', 'admin']);
    expect(withRole(['customer', 'admin'], 'admin')).toEqual(['customer', 'admin']);
    expect(withoutRole(['customer', 'admin'], 'admin')).toEqual(['customer']);
  });
});

describe('admin role changes', () => {
  const root = { id: 'root', roles: ['customer', 'admin'] };
  const deputy = { id: 'deputy', roles: ['customer', 'admin'] };
  const ada = { id: 'ada', roles: ['customer'] };
  it('are made only by a caller whose stored roles hold admin, whatever its token says', () => {
    expect(() => assertStillAdmin(root)).not.toThrow();
    expect(() => assertStillAdmin(ada)).toThrow('the caller no longer has');
    expect(() => assertStillAdmin(undefined)).toThrow('the caller no longer has');
  });
  it('grant and revoke the role', () => {
    expect(rolesAfterAdminChange(ada, true, [root])).toEqual(['customer', 'admin']);
    expect(rolesAfterAdminChange(deputy, false, [root, deputy])).toEqual(['customer']);
    expect(rolesAfterAdminChange(ada, false, [root])).toEqual(['customer']);
  });
  it('never take it from the last admin', () => {
    expect(() => rolesAfterAdminChange(root, false, [root])).toThrow('the last admin cannot lose the admin role');
    expect(rolesAfterAdminChange(root, true, [root])).toEqual(['customer', 'admin']);
  });
});

describe('the account list cursor', () => {
  const position = { createdAt: '2026-11-28T12:00:00.123456Z', id: '3f2b6c1e-8a4d-4e2f-9b1c-7d6e5f4a3b2c' };
  const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it('carries the creation time to the microsecond', () => {
    expect(decodeUserCursor(encodeUserCursor(position))).toEqual(position);
  });
  it.each([
    ['milliseconds only', encoded(['2026-11-28T12:00:00.123Z', position.id])],
    ['a month that does not exist', encoded(['2026-13-28T12:00:00.123456Z', position.id])],
    ['an id that is not a UUID', encoded([position.createdAt, 'root'])],
    ['no array', encoded({ createdAt: position.createdAt, id: position.id })],
    ['no JSON', Buffer.from('nope').toString('base64url')],
  ])('refuses %s', (_, raw) => {
    expect(() => decodeUserCursor(raw)).toThrow('cursor is malformed');
  });
});
