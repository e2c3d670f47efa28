import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Gauge, register } from 'prom-client';
import { RUNTIME, type Runtime } from '#libs/config';
import { ModuleDataSources } from '#libs/database';
import { HealthContributors } from '#libs/health';
import { EventQueues } from './event-queues';
import { inboxQueueName, SubscriptionTable } from './subscription-table';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * What an operator or autoscaler reads about the event pipeline of the modules this
 * process runs: queue depth by state, outbox backlog and age, and (in readiness) inbox
 * queues that have subscribers but no consumer connected.
 */
@Injectable()
export class MessagingObservability implements OnModuleInit {
  constructor(
    private readonly table: SubscriptionTable,
    private readonly queues: EventQueues,
    private readonly dataSources: ModuleDataSources,
    private readonly contributors: HealthContributors,
    private readonly indicators: HealthIndicatorService,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  private ownQueues(): string[] {
    const selected = new Set(this.runtime.selection.modules);
    const inboxes = this.table
      .subscribingModules()
      .filter((m) => selected.has(m))
      .map(inboxQueueName);
    const jobs = this.dataSources.all().flatMap(({ module }) => (module.queues ?? []).map((q) => q.name));
    return [...inboxes, ...jobs];
  }

  private async sampleOutboxes(): Promise<Map<string, { pending: number; age: number }>> {
    const samples = new Map<string, { pending: number; age: number }>();
    await Promise.all(
      this.dataSources.all().map(async ({ module, dataSource }) => {
        if (!dataSource.isInitialized || (module.publishes ?? []).length === 0) return;
        const rows = (await dataSource
          .query(
            `SELECT count(*)::int AS pending, coalesce(extract(epoch FROM clock_timestamp() - min(occurred_at)), 0)::float AS age
               FROM ${module.schema}.outbox WHERE sent_at IS NULL`,
          )
          .catch(() => undefined)) as { pending: number; age: number }[] | undefined;
        if (rows?.[0]) samples.set(module.name, rows[0]);
      }),
    );
    return samples;
  }

  onModuleInit(): void {
    const ownQueues = () => this.ownQueues();
    const queues = this.queues;
    register.removeSingleMetric('queue_jobs');
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state (the inbox queues and job queues of the modules this process runs)',
      labelNames: ['queue', 'state'],
      async collect() {
        await Promise.all(
          ownQueues().map(async (name) => {
            // A scrape must not hang while the queue backend is away.
            const counts = await Promise.race([
              queues.get(name).getJobCounts(...STATES),
              new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref()),
            ]).catch(() => undefined);
            for (const state of STATES) if (counts) this.set({ queue: name, state }, counts[state] ?? 0);
          }),
        );
      },
    });
    register.removeSingleMetric('outbox_pending');
    register.removeSingleMetric('outbox_oldest_age_seconds');
    // Both gauges come from one query per module per scrape.
    let sampling: Promise<Map<string, { pending: number; age: number }>> | undefined;
    const sample = () => {
      sampling ??= this.sampleOutboxes().finally(() => setTimeout(() => (sampling = undefined), 100).unref());
      return sampling;
    };
    new Gauge({
      name: 'outbox_pending',
      help: 'Unsent outbox events, per module',
      labelNames: ['module'],
      async collect() {
        for (const [module, value] of await sample()) this.set({ module }, value.pending);
      },
    });
    new Gauge({
      name: 'outbox_oldest_age_seconds',
      help: 'Age of the oldest unsent outbox event, per module (0 when none is pending)',
      labelNames: ['module'],
      async collect() {
        for (const [module, value] of await sample()) this.set({ module }, value.age);
      },
    });

    this.contributors.add('event-consumers', async () => {
      const indicator = this.indicators.check('event-consumers');
      const queues = this.table.subscribingModules().map(inboxQueueName);
      const counts = await Promise.all(
        queues.map((q) =>
          this.queues
            .get(q)
            .getWorkersCount()
            .catch(() => -1),
        ),
      );
      const withoutConsumer = queues.filter((_, i) => counts[i] === 0);
      // Reported, not failing: a missing consumer is an operator's problem, not this replica's.
      return withoutConsumer.length > 0 ? indicator.degraded({ withoutConsumer }) : indicator.up({ queues });
    });
  }
}
