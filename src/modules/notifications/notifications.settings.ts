import { boolean, defineSettings, hostPort, integer, list, setting, text } from '#libs/config';
import type { Settings, SettingsOf } from '#libs/config';

export type NotificationsSettings = Settings & SettingsOf<typeof notificationsSettings>;
export const notificationsSettings = defineSettings({
  webhookAllowPrivateTargets: setting(
    'WEBHOOK_ALLOW_PRIVATE_TARGETS',
    boolean,
    false,
    'Lets webhook endpoints point at loopback, private, link-local and other internal addresses (refused by default: SSRF).',
  ),
  webhookAllowedTargets: setting(
    'WEBHOOK_ALLOWED_TARGETS',
    list(hostPort),
    [] as string[],
    'Exact `host:port` webhook targets allowed even when they resolve to internal addresses (one internal receiver), e.g. `127.0.0.1:4000`.',
  ),
  webhookTimeoutMs: setting(
    'WEBHOOK_TIMEOUT_MS',
    integer(100, 120_000),
    10_000,
    'How long one webhook delivery attempt may take (connect to last byte) before it counts as failed.',
  ),
  webhookMaxAttempts: setting(
    'WEBHOOK_MAX_ATTEMPTS',
    integer(1, 50),
    15,
    'Attempts of one webhook delivery before it is failed for good.',
  ),
  webhookRetryBaseDelayMs: setting(
    'WEBHOOK_RETRY_BASE_DELAY_MS',
    integer(10, 3_600_000),
    30_000,
    'Delay before the first webhook retry; doubles per attempt, with jitter, capped at 4 hours per step.',
  ),
  webhookDisableAfterFailures: setting(
    'WEBHOOK_DISABLE_AFTER_FAILURES',
    integer(1, 100_000),
    20,
    'Consecutive failed attempts (any delivery) after which a webhook endpoint is disabled until re-enabled.',
  ),
  // At least 11: the longest retry schedule (WEBHOOK_MAX_ATTEMPTS 50, steps capped at 4 h, +20 %
  // jitter) ends 49 × 4.8 h ≈ 9.8 days after the first attempt; with the defaults, about a day.
  webhookDeliveryRetentionDays: setting(
    'WEBHOOK_DELIVERY_RETENTION_DAYS',
    integer(11, 3650),
    30,
    'Days webhook deliveries (by event time) are kept; whole days past it are dropped by the workers. At least 11: longer than any retry schedule (49 steps of at most 4.8 h).',
  ),
  smtpHost: setting(
    'SMTP_HOST',
    text,
    undefined,
    'SMTP server for customer emails. Unset: emails are written as `.eml` files under `MAIL_OUTBOX_DIR`.',
  ),
  smtpPort: setting('SMTP_PORT', integer(1, 65535), 587, 'SMTP port.'),
  smtpUser: setting('SMTP_USER', text, undefined, 'SMTP user name (unset: no authentication).'),
  smtpPassword: setting('SMTP_PASSWORD', text, undefined, 'SMTP password.'),
  smtpSecure: setting(
    'SMTP_SECURE',
    boolean,
    false,
    'Implicit TLS from the first byte (port 465). Otherwise STARTTLS is used whenever the server offers it.',
  ),
  mailFrom: setting('MAIL_FROM', text, 'Tessera <no-reply@tessera.local>', 'Sender of customer emails.'),
  mailOutboxDir: setting(
    'MAIL_OUTBOX_DIR',
    text,
    './.data/outbox-mail/',
    'Where emails are written as `.eml` files when `SMTP_HOST` is unset.',
  ),
});
