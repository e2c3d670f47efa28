import { defineSettings, integer, setting, text, url, type Settings, type SettingsOf } from '#libs/config';

export type PaymentsSettings = Settings & SettingsOf<typeof paymentsSettings>;
export const paymentsSettings = defineSettings({
  paymentProviderTimeoutMs: setting(
    'PAYMENT_PROVIDER_TIMEOUT_MS',
    integer(100, 120_000),
    10_000,
    'How long one call to the payment provider may take before it counts as a transient failure (the same idempotency key is sent again).',
  ),
  paymentChargeMaxAttempts: setting(
    'PAYMENT_CHARGE_MAX_ATTEMPTS',
    integer(1, 50),
    6,
    'Calls to the provider for one charge (timeouts and transient errors; declines are never retried) before the payment fails.',
  ),
  paymentRetryDelayMs: setting(
    'PAYMENT_RETRY_DELAY_MS',
    integer(10, 3_600_000),
    1000,
    'First delay before a charge or refund is tried again; doubles per attempt, with jitter.',
  ),
  paymentChargeDeadlineSeconds: setting(
    'PAYMENT_CHARGE_DEADLINE_SECONDS',
    integer(1, 86_400),
    120,
    'How long a payment may stay `processing` with no change (no attempt, no outcome) before the sweeper schedules its charge again with the same idempotency key, if its job is gone; the same for a pending refund and for a recorded provider webhook not yet applied. Keep it above the longest pause between two charge attempts (PAYMENT_RETRY_DELAY_MS doubled per attempt, plus PAYMENT_PROVIDER_TIMEOUT_MS) and below RESERVATION_TTL_SECONDS. A payment waiting for 3-D Secure is not swept: the order deadline ends it.',
  ),
  paymentSandboxWebhookUrl: setting(
    'PAYMENT_SANDBOX_WEBHOOK_URL',
    url(['http:', 'https:']),
    undefined,
    "Where the sandbox provider sends its webhooks. Unset: this process's own `/v1/payments/webhooks/sandbox` (set it to the load balancer when payments' workers run without the api role).",
  ),
  paymentSandboxWebhookSecret: setting(
    'PAYMENT_SANDBOX_WEBHOOK_SECRET',
    text,
    'whsec_sandbox_not_secret',
    "Secret the sandbox provider signs its webhooks with and the webhook route verifies them with; test mode only, like a provider's test keys.",
  ),
  paymentSandboxLatencyMs: setting(
    'PAYMENT_SANDBOX_LATENCY_MS',
    integer(0, 60_000),
    0,
    'Latency the sandbox provider adds to every call, to rehearse a real provider (the payments benchmark uses 50).',
  ),
});
