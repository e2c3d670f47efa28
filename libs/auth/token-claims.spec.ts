import { authUserFromClaims, InvalidAccessToken, type TokenClaims } from './token-claims';

const USER = '3f2b6c1e-8a4d-4e2f-9b1c-7d6e5f4a3b2c';
const base = { sub: USER, jti: 'a1b2c3', roles: ['customer'] };

describe('the claims of an access token', () => {
  it('name the caller when they have the shape identity issues', () => {
    expect(authUserFromClaims({ ...base, roles: ['customer', 'admin'] })).toEqual({
      id: USER,
      roles: ['customer', 'admin'],
      tokenId: 'a1b2c3',
    });
    expect(authUserFromClaims({ ...base, jti: 'forged-1765000000-0.123' }).tokenId).toBe('forged-1765000000-0.123');
    expect(authUserFromClaims({ ...base, roles: [] }).roles).toEqual([]);
  });

  it('name the user by the lower-case id every table holds, whatever the case of the sub', () => {
    expect(authUserFromClaims({ ...base, sub: USER.toUpperCase() }).id).toBe(USER);
  });

  it.each<[string, TokenClaims]>([
    ['a sub that is not a UUID', { ...base, sub: 'not-a-uuid' }],
    ['a sub of 36 dashes', { ...base, sub: '-'.repeat(36) }],
    ['a UUID-shaped sub of no RFC version', { ...base, sub: '00000000-0000-0000-0000-000000000001' }],
    ['a UUID sub with trailing text', { ...base, sub: `${USER} ` }],
    ['a numeric sub', { ...base, sub: 42 }],
    ['no sub', { jti: base.jti, roles: base.roles }],
    ['an empty jti', { ...base, jti: '' }],
    ['a jti with a NUL', { ...base, jti: 'a\u0000b' }],
    ['an over-long jti', { ...base, jti: 'x'.repeat(201) }],
    ['a numeric jti', { ...base, jti: 7 }],
    ['no roles', { sub: USER, jti: 'a1' }],
    ['roles that are a string', { ...base, roles: 'admin' }],
    ['an unknown role', { ...base, roles: ['customer', 'superuser'] }],
    ['a role that is not a string', { ...base, roles: [1] }],
    ['a role object', { ...base, roles: [{ admin: true }] }],
    ['too many roles', { ...base, roles: Array.from({ length: 17 }, () => 'customer') }],
  ])('are refused with %s', (_, claims) => {
    expect(() => authUserFromClaims(claims)).toThrow(InvalidAccessToken);
  });

  it('say which claim is wrong (the 401 detail)', () => {
    expect(() => authUserFromClaims({ ...base, sub: 'admin' })).toThrow("the token's sub claim is not a user id");
    expect(() => authUserFromClaims({ ...base, roles: ['root'] })).toThrow(
      "the token's roles claim must be a list of customer, admin",
    );
  });
});
