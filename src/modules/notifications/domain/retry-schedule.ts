/** No single wait between two attempts of a delivery is longer than this. */
export const MAX_RETRY_DELAY_MS = 4 * 3600_000;

export interface RetryPolicy {
  /** WEBHOOK_MAX_ATTEMPTS. */
  readonly maxAttempts: number;
  /** WEBHOOK_RETRY_BASE_DELAY_MS: the wait after the first failed attempt. */
  readonly baseDelayMs: number;
}

export type AfterFailure = { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'give-up' };

/**
 * What follows the `attempts`-th failed attempt: retry after base * 2^(attempts-1), capped
 * at MAX_RETRY_DELAY_MS, jittered by ±20 % (`random` in [0, 1)) so that endpoints that
 * failed together do not all come back in the same second; or give up once
 * `maxAttempts` were made. With the defaults (30 s, 15 attempts) the last attempt comes
 * about a day after the first.
 */
export function afterFailedAttempt(attempts: number, policy: RetryPolicy, random: number): AfterFailure {
  if (attempts >= policy.maxAttempts) return { kind: 'give-up' };
  const exponential = policy.baseDelayMs * 2 ** Math.min(attempts - 1, 30);
  const capped = Math.min(exponential, MAX_RETRY_DELAY_MS);
  return { kind: 'retry', delayMs: Math.round(capped * (0.8 + 0.4 * random)) };
}
