import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

export type HealthCheckFn = () => Promise<HealthIndicatorResult>;

/**
 * Readiness checks contributed by the selected modules (and by libs such as messaging).
 * A module registers its check when it loads, so a process reports on exactly the
 * modules it runs.
 */
@Injectable()
export class HealthContributors {
  private readonly checks = new Map<string, HealthCheckFn>();

  add(key: string, check: HealthCheckFn): void {
    if (this.checks.has(key)) throw new Error(`two readiness checks are named "${key}"`);
    this.checks.set(key, check);
  }

  all(): HealthCheckFn[] {
    return [...this.checks.values()];
  }
}
