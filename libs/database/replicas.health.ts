import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthContributors } from '#libs/health';
import { ReplicaSet } from './replica-set';

/** Replica state in readiness: reported (degraded), never failing it while the primary serves. */
@Injectable()
export class ReplicasHealth implements OnModuleInit {
  constructor(
    private readonly replicas: ReplicaSet,
    private readonly contributors: HealthContributors,
    private readonly indicators: HealthIndicatorService,
  ) {}

  onModuleInit(): void {
    if (this.replicas.replicas.length === 0) return;
    this.contributors.add('replicas', async () => {
      const indicator = this.indicators.check('replicas');
      const states = Object.fromEntries(
        this.replicas.replicas.map((r) => [
          r.name,
          {
            inRotation: r.healthy,
            lagSeconds: Number.isFinite(r.lagSeconds) ? r.lagSeconds : null,
            ...(r.error ? { error: r.error } : {}),
          },
        ]),
      );
      return this.replicas.replicas.every((r) => r.healthy) ? indicator.up(states) : indicator.degraded(states);
    });
  }
}
