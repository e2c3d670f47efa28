import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { HealthContributors } from './health-contributors';

/**
 * `readiness_check_up{check}`: each readiness check of `/health/ready`, run at every scrape, 1
 * when it passes (or is only degraded), 0 when it fails. What an alert needs to say which
 * dependency a process cannot reach, whether or not anything probes it.
 */
@Injectable()
export class ReadinessMetric implements OnModuleInit {
  constructor(private readonly contributors: HealthContributors) {}

  onModuleInit(): void {
    const contributors = this.contributors;
    // Several apps may start in one process (tests, the CLI): the last one's checks count.
    register.removeSingleMetric('readiness_check_up');
    new Gauge({
      name: 'readiness_check_up',
      help: 'Whether each readiness check of /health/ready passes (1, also when degraded) or fails (0), run at each scrape',
      labelNames: ['check'],
      async collect() {
        // Each check answers within its own timeout (HealthContributors), so a scrape never hangs.
        const results = await Promise.all(
          contributors.named().map(async ([check, run]) => {
            const down = await run().then(
              (result) => Object.values(result).some((indicator) => indicator.status === 'down'),
              () => true,
            );
            return [check, down ? 0 : 1] as const;
          }),
        );
        for (const [check, up] of results) this.set({ check }, up);
      },
    });
  }
}
