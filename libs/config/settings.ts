import { ConfigError } from './config-error';
import {
  boolean,
  email,
  identifier,
  integer,
  list,
  oneOf,
  rate,
  readSetting,
  SettingParser,
  hostPort,
  text,
  url,
} from './setting-parsers';

const postgresUrl = url(['postgres:', 'postgresql:']);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One documented setting: the README's table is generated from this list. */
interface SettingSpec<T> {
  readonly name: string;
  readonly parser: SettingParser<T>;
  readonly default: T | undefined;
  readonly doc: string;
}

function spec<T>(name: string, parser: SettingParser<T>, fallback: T | undefined, doc: string): SettingSpec<T> {
  return { name, parser, default: fallback, doc };
}

export const SETTING_SPECS = {
  port: spec('PORT', integer(0, 65535), 3000, 'HTTP port (0 picks a free one).'),
  host: spec('HOST', text, '127.0.0.1', 'Address to listen on; the container image sets 0.0.0.0.'),
  databaseUrl: spec(
    'DATABASE_URL',
    postgresUrl,
    undefined,
    'Primary PostgreSQL. Unset: `npm start` runs an embedded PostgreSQL under `./.data/`.',
  ),
  databaseReplicaUrls: spec(
    'DATABASE_REPLICA_URLS',
    list(postgresUrl),
    [] as string[],
    'Read replicas of the primary (comma-separated). Queries go to a healthy one, writes and reads it cannot serve to the primary.',
  ),
  replicaMaxLagSeconds: spec(
    'REPLICA_MAX_LAG_SECONDS',
    integer(1, 3600),
    10,
    'A replica further behind than this is taken out of rotation until it catches up.',
  ),
  replicaCheckIntervalMs: spec(
    'REPLICA_CHECK_INTERVAL_MS',
    integer(100, 60_000),
    1000,
    'How often each replica is health-checked.',
  ),
  databasePoolSize: spec(
    'DATABASE_POOL_SIZE',
    integer(1, 200),
    8,
    "This process's connection budget per database it uses, shared by every module it runs: requests, event delivery and (on the PostgreSQL queue backend) the queues each get a share. One LISTEN connection per database comes on top. Processes × (budget + 1) must fit the database's or the pooler's limit.",
  ),
  databaseMessagingPoolSize: spec(
    'DATABASE_MESSAGING_POOL_SIZE',
    integer(1, 200),
    2,
    'The share of DATABASE_POOL_SIZE kept for event delivery (outbox relays, inboxes) in a process that also serves the API, so neither can take the connections of the other.',
  ),
  databasePoolTimeoutMs: spec(
    'DATABASE_POOL_TIMEOUT_MS',
    integer(100, 60_000),
    5000,
    'How long a request waits for a connection of the budget before it is answered 503 with Retry-After.',
  ),
  databaseDirectUrl: spec(
    'DATABASE_DIRECT_URL',
    postgresUrl,
    undefined,
    "The primary without a pooler in between (default: DATABASE_URL): LISTEN, the migrations' advisory lock and the PostgreSQL queue backend need a session of their own.",
  ),
  databasePreparedStatements: spec(
    'DATABASE_PREPARED_STATEMENTS',
    boolean,
    true,
    'Named prepared statements on hot paths. Turn off behind a transaction-mode pooler that cannot keep them (PgBouncer before 1.21, or without max_prepared_statements).',
  ),
  databaseConnectRetryMs: spec(
    'DATABASE_CONNECT_RETRY_MS',
    integer(100, 60_000),
    1000,
    'First delay between connection attempts at start-up (doubles, capped at 10 s).',
  ),
  embeddedPostgresDir: spec(
    'EMBEDDED_POSTGRES_DIR',
    text,
    '.data/postgres',
    'Data directory of the embedded PostgreSQL.',
  ),
  embeddedPostgresPort: spec(
    'EMBEDDED_POSTGRES_PORT',
    integer(0, 65535),
    0,
    'Port of the embedded PostgreSQL (0: a free port).',
  ),
  redisUrl: spec(
    'REDIS_URL',
    url(['redis:', 'rediss:']),
    undefined,
    "Redis for queues. Unset: queues use BullMQ's PostgreSQL backend in the primary database.",
  ),
  queuePrefix: spec(
    'QUEUE_PREFIX',
    identifier,
    'tessera',
    'Prefix of every queue name: isolates deployments and test runs sharing a Redis or database.',
  ),
  logLevel: spec('LOG_LEVEL', oneOf(LOG_LEVELS), 'info', 'Structured JSON log level.'),
  bodyLimitBytes: spec(
    'HTTP_BODY_LIMIT_BYTES',
    integer(1024, 100 * 1024 * 1024),
    1024 * 1024,
    'Largest accepted request body; larger bodies get 413.',
  ),
  keepAliveTimeoutMs: spec(
    'HTTP_KEEP_ALIVE_TIMEOUT_MS',
    integer(1000, 3_600_000),
    75_000,
    "Idle keep-alive timeout; keep it above the load balancer's idle timeout (60 s on most).",
  ),
  requestTimeoutMs: spec(
    'HTTP_REQUEST_TIMEOUT_MS',
    integer(1000, 3_600_000),
    30_000,
    'Longest time a client may take to send one request (head and body); a slower one is answered 408 and its connection closed, so clients that trickle bytes cannot hold connections forever. Idle keep-alive connections are not affected.',
  ),
  corsOrigins: spec('CORS_ORIGINS', list(text), [] as string[], 'Origins allowed by CORS; empty: CORS off.'),
  metricsToken: spec(
    'METRICS_TOKEN',
    text,
    undefined,
    'When set, `/metrics` requires `Authorization: Bearer <token>`.',
  ),
  shutdownDelayMs: spec(
    'SHUTDOWN_DELAY_MS',
    integer(0, 120_000),
    2000,
    'After SIGTERM, how long readiness answers 503 before the listener closes, so load balancers stop routing here.',
  ),
  shutdownTimeoutMs: spec(
    'SHUTDOWN_TIMEOUT_MS',
    integer(1000, 600_000),
    30_000,
    'After SIGTERM, how long in-flight requests and active jobs may take before the process exits anyway.',
  ),
  workerConcurrency: spec(
    'WORKER_CONCURRENCY',
    integer(1, 1000),
    10,
    'Jobs one worker process runs at once per queue.',
  ),
  eventConsumerConcurrency: spec(
    'EVENT_CONSUMER_CONCURRENCY',
    integer(1, 1000),
    200,
    'Integration events one process takes at once per module inbox; they are handled in batches of up to 64 per transaction, at most 2 transactions at once.',
  ),
  workerFirstModules: spec(
    'WORKER_FIRST_MODULES',
    list(identifier),
    undefined,
    "Modules whose jobs and events go first in a process that runs several modules' jobs: while one of theirs runs, the others' jobs wait to start. Unset: the modules that declare it (inventory and ordering, the path a customer waits on). `none`: no order.",
  ),
  workerFirstMaxWaitMs: spec(
    'WORKER_FIRST_MAX_WAIT_MS',
    integer(10, 600_000),
    5000,
    "The longest a job waits for the first modules' jobs before it starts anyway: under a sustained load of those, the others slow down but never stop.",
  ),
  eventMaxAttempts: spec(
    'EVENT_MAX_ATTEMPTS',
    integer(1, 100),
    8,
    'Delivery attempts of an integration event before it becomes a dead letter.',
  ),
  eventRetryDelayMs: spec(
    'EVENT_RETRY_DELAY_MS',
    integer(10, 3_600_000),
    1000,
    'First retry delay of a failed event handler; doubles per attempt, with jitter.',
  ),
  relayBatchSize: spec('RELAY_BATCH_SIZE', integer(1, 5000), 200, 'Outbox rows one relay claims per transaction.'),
  relayPollMs: spec(
    'RELAY_POLL_MS',
    integer(10, 60_000),
    1000,
    'Outbox polling interval, the fallback when a NOTIFY is missed.',
  ),
  outboxRetentionHours: spec('OUTBOX_RETENTION_HOURS', integer(1, 24 * 365), 24, 'How long sent outbox rows are kept.'),
  eventDeliveryDeadlineSeconds: spec(
    'EVENT_DELIVERY_DEADLINE_SECONDS',
    integer(1, 24 * 3600),
    300,
    "How long after it was sent an event may be missing from a subscriber's inbox before it is published again (a job the queue lost). Keep it well above the longest backlog, and below OUTBOX_RETENTION_HOURS.",
  ),
  eventReconcileIntervalMs: spec(
    'EVENT_RECONCILE_INTERVAL_MS',
    integer(100, 3_600_000),
    30_000,
    "How often each subscribing module's workers compare the publishers' outboxes with their inbox.",
  ),
  inboxRetentionHours: spec(
    'INBOX_RETENTION_HOURS',
    integer(1, 24 * 365),
    168,
    'How long handled event ids are kept for deduplication; keep it longer than any redelivery.',
  ),
  cacheTtlSeconds: spec(
    'CACHE_TTL_SECONDS',
    integer(1, 86_400),
    30,
    'Lifetime of read-cache entries (memory and Redis tiers), jittered by ±20 %; changes invalidate them at once.',
  ),
  httpCacheMaxAgeSeconds: spec(
    'HTTP_CACHE_MAX_AGE_SECONDS',
    integer(0, 86_400),
    60,
    '`Cache-Control: max-age` of cacheable public reads (products, categories).',
  ),
  httpCacheStaleWhileRevalidateSeconds: spec(
    'HTTP_CACHE_STALE_WHILE_REVALIDATE_SECONDS',
    integer(0, 86_400),
    300,
    '`stale-while-revalidate` of cacheable public reads, for CDNs.',
  ),
  reservationTtlSeconds: spec(
    'RESERVATION_TTL_SECONDS',
    integer(1, 7 * 86_400),
    900,
    'How long inventory holds stock for an order that is not confirmed; then a delayed job releases it (or the sweeper, if the job was lost).',
  ),
  sweepIntervalMs: spec(
    'SWEEP_INTERVAL_MS',
    integer(100, 3_600_000),
    30_000,
    'How often each worker process looks in PostgreSQL for work waiting past its deadline whose job was lost (Redis restarted empty, a failover, an eviction): reservations past their expiry (inventory), charges, refunds and webhooks without an outcome (payments), orders past ORDER_DEADLINE_SECONDS (ordering).',
  ),
  idempotencyKeyTtlHours: spec(
    'IDEMPOTENCY_KEY_TTL_HOURS',
    integer(1, 24 * 30),
    24,
    'How long an `Idempotency-Key` replays its first response.',
  ),
  orderDeadlineSeconds: spec(
    'ORDER_DEADLINE_SECONDS',
    integer(1, 30 * 86_400),
    3600,
    'How long after it was placed an order may wait in `pending` or `stock_reserved` (for its reservation or its payment) before the sweeper cancels it `timed_out` (stock released, money refunded); a `paid` order that old is confirmed. Keep it well above RESERVATION_TTL_SECONDS, which normally ends an unpaid order first.',
  ),
  paymentProviderTimeoutMs: spec(
    'PAYMENT_PROVIDER_TIMEOUT_MS',
    integer(100, 120_000),
    10_000,
    'How long one call to the payment provider may take before it counts as a transient failure (the same idempotency key is sent again).',
  ),
  paymentChargeMaxAttempts: spec(
    'PAYMENT_CHARGE_MAX_ATTEMPTS',
    integer(1, 50),
    6,
    'Calls to the provider for one charge (timeouts and transient errors; declines are never retried) before the payment fails.',
  ),
  paymentRetryDelayMs: spec(
    'PAYMENT_RETRY_DELAY_MS',
    integer(10, 3_600_000),
    1000,
    'First delay before a charge or refund is tried again; doubles per attempt, with jitter.',
  ),
  paymentChargeDeadlineSeconds: spec(
    'PAYMENT_CHARGE_DEADLINE_SECONDS',
    integer(1, 86_400),
    120,
    'How long a payment may stay `processing` with no change (no attempt, no outcome) before the sweeper schedules its charge again with the same idempotency key, if its job is gone; the same for a pending refund and for a recorded provider webhook not yet applied. Keep it above the longest pause between two charge attempts (PAYMENT_RETRY_DELAY_MS doubled per attempt, plus PAYMENT_PROVIDER_TIMEOUT_MS) and below RESERVATION_TTL_SECONDS. A payment waiting for 3-D Secure is not swept: the order deadline ends it.',
  ),
  paymentSandboxWebhookUrl: spec(
    'PAYMENT_SANDBOX_WEBHOOK_URL',
    url(['http:', 'https:']),
    undefined,
    "Where the sandbox provider sends its webhooks. Unset: this process's own `/v1/payments/webhooks/sandbox` (set it to the load balancer when payments' workers run without the api role).",
  ),
  paymentSandboxWebhookSecret: spec(
    'PAYMENT_SANDBOX_WEBHOOK_SECRET',
    text,
    'whsec_sandbox_not_secret',
    "Secret the sandbox provider signs its webhooks with and the webhook route verifies them with; test mode only, like a provider's test keys.",
  ),
  paymentSandboxLatencyMs: spec(
    'PAYMENT_SANDBOX_LATENCY_MS',
    integer(0, 60_000),
    0,
    'Latency the sandbox provider adds to every call, to rehearse a real provider (the payments benchmark uses 50).',
  ),
  adminEmails: spec(
    'ADMIN_EMAILS',
    list(email),
    [] as string[],
    'Accounts registered with these emails get the admin role: how the first admin exists.',
  ),
  authIssuer: spec('AUTH_ISSUER', text, 'tessera', '`iss` of access tokens; verifiers accept only this issuer.'),
  authAudience: spec(
    'AUTH_AUDIENCE',
    text,
    'tessera-api',
    '`aud` of access tokens; verifiers accept only this audience.',
  ),
  accessTokenTtlSeconds: spec('AUTH_ACCESS_TOKEN_TTL_SECONDS', integer(30, 86_400), 900, 'Lifetime of access tokens.'),
  refreshTokenTtlDays: spec('AUTH_REFRESH_TOKEN_TTL_DAYS', integer(1, 365), 30, 'Lifetime of a refresh token family.'),
  authClockSkewSeconds: spec(
    'AUTH_CLOCK_SKEW_SECONDS',
    integer(0, 300),
    30,
    'Clock skew tolerated on `exp` and `nbf`.',
  ),
  authJwksUrl: spec(
    'AUTH_JWKS_URL',
    url(['http:', 'https:']),
    undefined,
    "Identity's `/.well-known/jwks.json`, for processes that do not run the identity module (required there with the api role).",
  ),
  authPrivateKey: spec(
    'AUTH_PRIVATE_KEY',
    text,
    undefined,
    'Ed25519 private key (PKCS#8 PEM, `\\n` for newlines) that signs access tokens. Unset: identity generates keys once and keeps them in its schema.',
  ),
  authKeyRotationDays: spec(
    'AUTH_KEY_ROTATION_DAYS',
    integer(1, 3650),
    30,
    'Age at which a generated signing key is replaced; the old public key stays published until its tokens expire.',
  ),
  trustProxy: spec(
    'TRUST_PROXY',
    text,
    undefined,
    'Proxies whose `X-Forwarded-For` is believed for the client IP: `loopback`, or addresses/CIDRs separated by commas. Unset: none.',
  ),
  rateLimitEnabled: spec('RATE_LIMIT_ENABLED', boolean, true, 'Rate limits on or off (off for load tests).'),
  rateLimitDefault: spec(
    'RATE_LIMIT_DEFAULT',
    rate,
    { limit: 600, windowSeconds: 60 },
    'Requests per client IP on every route.',
  ),
  rateLimitAuth: spec(
    'RATE_LIMIT_AUTH',
    rate,
    { limit: 20, windowSeconds: 60 },
    'Requests per client IP on register, login and refresh.',
  ),
  loginSlowdownAfter: spec(
    'LOGIN_SLOWDOWN_AFTER',
    integer(1, 100),
    3,
    'Failed logins of one account after which each further attempt is answered more slowly.',
  ),
  loginLockAfter: spec('LOGIN_LOCK_AFTER', integer(1, 1000), 10, 'Failed logins of one account that lock it.'),
  loginLockMinutes: spec('LOGIN_LOCK_MINUTES', integer(1, 1440), 15, 'How long a locked account refuses logins.'),
  webhookAllowPrivateTargets: spec(
    'WEBHOOK_ALLOW_PRIVATE_TARGETS',
    boolean,
    false,
    'Lets webhook endpoints point at loopback, private, link-local and other internal addresses (refused by default: SSRF).',
  ),
  webhookAllowedTargets: spec(
    'WEBHOOK_ALLOWED_TARGETS',
    list(hostPort),
    [] as string[],
    'Exact `host:port` webhook targets allowed even when they resolve to internal addresses (one internal receiver), e.g. `127.0.0.1:4000`.',
  ),
  webhookTimeoutMs: spec(
    'WEBHOOK_TIMEOUT_MS',
    integer(100, 120_000),
    10_000,
    'How long one webhook delivery attempt may take (connect to last byte) before it counts as failed.',
  ),
  webhookMaxAttempts: spec(
    'WEBHOOK_MAX_ATTEMPTS',
    integer(1, 50),
    15,
    'Attempts of one webhook delivery before it is failed for good.',
  ),
  webhookRetryBaseDelayMs: spec(
    'WEBHOOK_RETRY_BASE_DELAY_MS',
    integer(10, 3_600_000),
    30_000,
    'Delay before the first webhook retry; doubles per attempt, with jitter, capped at 4 hours per step.',
  ),
  webhookDisableAfterFailures: spec(
    'WEBHOOK_DISABLE_AFTER_FAILURES',
    integer(1, 100_000),
    20,
    'Consecutive failed attempts (any delivery) after which a webhook endpoint is disabled until re-enabled.',
  ),
  smtpHost: spec(
    'SMTP_HOST',
    text,
    undefined,
    'SMTP server for customer emails. Unset: emails are written as `.eml` files under `MAIL_OUTBOX_DIR`.',
  ),
  smtpPort: spec('SMTP_PORT', integer(1, 65535), 587, 'SMTP port.'),
  smtpUser: spec('SMTP_USER', text, undefined, 'SMTP user name (unset: no authentication).'),
  smtpPassword: spec('SMTP_PASSWORD', text, undefined, 'SMTP password.'),
  smtpSecure: spec(
    'SMTP_SECURE',
    boolean,
    false,
    'Implicit TLS from the first byte (port 465). Otherwise STARTTLS is used whenever the server offers it.',
  ),
  mailFrom: spec('MAIL_FROM', text, 'Tessera <no-reply@tessera.local>', 'Sender of customer emails.'),
  mailOutboxDir: spec(
    'MAIL_OUTBOX_DIR',
    text,
    './.data/outbox-mail/',
    'Where emails are written as `.eml` files when `SMTP_HOST` is unset.',
  ),
} as const;

type SpecValue<S> = S extends SettingSpec<infer T> ? T : never;
type Defaulted<S> = S extends { default: undefined } ? SpecValue<S> | undefined : SpecValue<S>;

export type Settings = {
  readonly [K in keyof typeof SETTING_SPECS]: Defaulted<(typeof SETTING_SPECS)[K]>;
} & {
  /** `<MODULE>_DATABASE_URL` overrides, by module name. */
  readonly moduleDatabaseUrls: Readonly<Record<string, string>>;
};

export function moduleDatabaseUrlVariable(moduleName: string): string {
  return `${moduleName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DATABASE_URL`;
}

/** Reads and validates every setting; the first bad value is a ConfigError naming it. */
export function loadSettings(env: NodeJS.ProcessEnv, moduleNames: readonly string[]): Settings {
  const values: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTING_SPECS) as [string, SettingSpec<unknown>][]) {
    values[key] = readSetting(env, setting.name, setting.parser) ?? setting.default;
  }
  const moduleDatabaseUrls: Record<string, string> = {};
  for (const name of moduleNames) {
    const value = readSetting(env, moduleDatabaseUrlVariable(name), postgresUrl);
    if (value) moduleDatabaseUrls[name] = value;
  }
  const settings = { ...values, moduleDatabaseUrls } as Settings;
  requireKnownFirstModules(settings.workerFirstModules, moduleNames);
  if (settings.shutdownDelayMs >= settings.shutdownTimeoutMs) {
    throw new ConfigError('SHUTDOWN_DELAY_MS must be smaller than SHUTDOWN_TIMEOUT_MS');
  }
  return settings;
}

function requireKnownFirstModules(first: readonly string[] | undefined, moduleNames: readonly string[]): void {
  if (!first || (first.length === 1 && first[0] === 'none')) return;
  const unknown = first.filter((name) => !moduleNames.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `WORKER_FIRST_MODULES: unknown module ${unknown.map((n) => `"${n}"`).join(', ')}; valid: ${[...moduleNames, 'none'].join(', ')}`,
    );
  }
}

/** The settings table for the README: name, default, meaning. */
export function describeSettings(): { name: string; default: string; doc: string }[] {
  return Object.values(SETTING_SPECS).map((s: SettingSpec<unknown>) => ({
    name: s.name,
    default: describeDefault(s.default),
    doc: `${s.doc} Accepts ${s.parser.accepts}.`,
  }));
}

function describeDefault(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (Array.isArray(value)) return value.join(',') || '(empty)';
  if (typeof value === 'object' && value && 'limit' in value) {
    const { limit, windowSeconds } = value as { limit: number; windowSeconds: number };
    return `${limit}/${windowSeconds}s`;
  }
  return String(value);
}
