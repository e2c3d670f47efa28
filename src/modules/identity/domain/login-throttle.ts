export interface LoginThrottlePolicy {
  /** Failures after which each further attempt waits longer. */
  readonly slowdownAfter: number;
  /** Failures that lock the account. */
  readonly lockAfter: number;
  readonly lockMinutes: number;
}

export interface LoginFailures {
  readonly count: number;
  readonly lockedUntil: Date | null;
}

export type LoginGate = { readonly allowed: true; readonly delayMs: number } | { readonly allowed: false };

const MAX_DELAY_MS = 2000;

/**
 * Brute-force protection per account (known or not, so a locked state reveals nothing):
 * after `slowdownAfter` failures each attempt is delayed (doubling from 250 ms, capped at
 * 2 s); at `lockAfter` failures the account refuses logins for `lockMinutes`.
 */
export function gateLogin(failures: LoginFailures | undefined, policy: LoginThrottlePolicy, now: Date): LoginGate {
  if (!failures) return { allowed: true, delayMs: 0 };
  if (failures.lockedUntil && failures.lockedUntil.getTime() > now.getTime()) return { allowed: false };
  const excess = failures.count - policy.slowdownAfter;
  return { allowed: true, delayMs: excess < 0 ? 0 : Math.min(MAX_DELAY_MS, 250 * 2 ** excess) };
}

/** The failure record after one more failed attempt. */
export function recordFailure(
  failures: LoginFailures | undefined,
  policy: LoginThrottlePolicy,
  now: Date,
): LoginFailures {
  const expiredLock = failures?.lockedUntil && failures.lockedUntil.getTime() <= now.getTime();
  const count = expiredLock ? 1 : (failures?.count ?? 0) + 1;
  const lockedUntil = count >= policy.lockAfter ? new Date(now.getTime() + policy.lockMinutes * 60_000) : null;
  return { count, lockedUntil };
}

export type LoginClaim =
  { readonly allowed: true; readonly delayMs: number; readonly claimed: LoginFailures } | { readonly allowed: false };

/**
 * An attempt is counted as a failure before its password is checked, and a success clears the
 * count: concurrent attempts each see the ones before them, so no more than `lockAfter`
 * passwords are ever checked between locks. A refused attempt (locked) is not counted.
 */
export function claimLoginAttempt(
  failures: LoginFailures | undefined,
  policy: LoginThrottlePolicy,
  now: Date,
): LoginClaim {
  const gate = gateLogin(failures, policy, now);
  if (!gate.allowed) return gate;
  return { allowed: true, delayMs: gate.delayMs, claimed: recordFailure(failures, policy, now) };
}
