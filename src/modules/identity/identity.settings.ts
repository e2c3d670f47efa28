import { defineSettings, email, integer, list, setting, text, type Settings, type SettingsOf } from '#libs/config';

export type IdentitySettings = Settings & SettingsOf<typeof identitySettings>;
export const identitySettings = defineSettings({
  adminEmails: setting(
    'ADMIN_EMAILS',
    list(email),
    [] as string[],
    'Accounts registered with these emails get the admin role: how the first admin exists.',
  ),
  accessTokenTtlSeconds: setting(
    'AUTH_ACCESS_TOKEN_TTL_SECONDS',
    integer(30, 86_400),
    900,
    'Lifetime of access tokens.',
  ),
  refreshTokenTtlDays: setting(
    'AUTH_REFRESH_TOKEN_TTL_DAYS',
    integer(1, 365),
    30,
    'Lifetime of a refresh token family.',
  ),
  authPrivateKey: setting(
    'AUTH_PRIVATE_KEY',
    text,
    undefined,
    'Ed25519 private key (PKCS#8 PEM, `\\n` for newlines) that signs access tokens. Unset: identity generates keys once and keeps them in its schema.',
  ),
  authKeyRotationDays: setting(
    'AUTH_KEY_ROTATION_DAYS',
    integer(1, 3650),
    30,
    'Age at which a generated signing key is replaced; the old public key stays published until its tokens expire.',
  ),
  loginSlowdownAfter: setting(
    'LOGIN_SLOWDOWN_AFTER',
    integer(1, 100),
    3,
    'Failed logins of one account after which each further attempt is answered more slowly.',
  ),
  loginLockAfter: setting('LOGIN_LOCK_AFTER', integer(1, 1000), 10, 'Failed logins of one account that lock it.'),
  loginLockMinutes: setting('LOGIN_LOCK_MINUTES', integer(1, 1440), 15, 'How long a locked account refuses logins.'),
});
