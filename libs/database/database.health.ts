import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { HealthContributors } from '#libs/health';
import { describeError } from './describe-error';
import { ModuleDataSources } from './module-data-sources';
import { PrimaryDatabase } from './primary-database';

@Injectable()
export class DatabaseHealthIndicator implements OnModuleInit {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly primary: PrimaryDatabase,
    private readonly sources: ModuleDataSources,
    private readonly contributors: HealthContributors,
  ) {}

  onModuleInit(): void {
    this.contributors.add('database', () => this.check(), 3000);
  }

  async check(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('database');
    const connecting = this.sources
      .all()
      .filter((s) => !s.dataSource.isInitialized)
      .map((s) => s.module.name);
    try {
      await this.primary.ping(2000);
    } catch (error) {
      return indicator.down({ message: describeError(error) });
    }
    if (connecting.length > 0) return indicator.down({ message: 'connecting', modules: connecting });
    return indicator.up();
  }
}
