import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

async function withTimeout(key: string, check: HealthCheckFn, timeoutMs: number): Promise<HealthIndicatorResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<HealthIndicatorResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ [key]: { status: 'down', message: `no answer within ${timeoutMs} ms` } }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([check(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export type HealthCheckFn = () => Promise<HealthIndicatorResult>;

/**
 * Readiness checks contributed by the selected modules (and by libs such as messaging).
 * A module registers its check when it loads, so a process reports on exactly the
 * modules it runs.
 */
@Injectable()
export class HealthContributors {
  private readonly checks = new Map<string, HealthCheckFn>();

  add(key: string, check: HealthCheckFn, timeoutMs = 2000): void {
    if (this.checks.has(key)) throw new Error(`two readiness checks are named "${key}"`);
    // A probe must answer even when a dependency hangs instead of failing.
    this.checks.set(key, () => withTimeout(key, check, timeoutMs));
  }

  all(): HealthCheckFn[] {
    return [...this.checks.values()];
  }

  /** Each check with the name its result is reported under. */
  named(): [string, HealthCheckFn][] {
    return [...this.checks.entries()];
  }
}
