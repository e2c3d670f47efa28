import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ProcessState, SETTINGS, type Runtime, type Settings } from '#libs/config';
import { PartitionMaintenance, type DatabaseListener } from '#libs/database';
import type { ModuleManifest } from '#libs/modularity';
import { QUEUE_BACKEND } from '../tokens';
import { QueueWorkers } from '../queue-workers';
import type { QueueBackend } from '../queue-backend';
import { EventQueues } from './event-queues';
import { zeroEventAlertCounters } from './event-metrics';
import { EventReconciler, type PublisherOutbox } from './event-reconciler';
import { InboxConsumer } from './inbox-consumer';
import { Outbox } from './outbox';
import { OutboxDoorbell } from './outbox-doorbell';
import { OutboxRelay } from './outbox-relay';
import { SubscriptionTable } from './subscription-table';

/**
 * The messaging parts one bounded context gets, by role: its Outbox always (commands
 * publish in every role), its relay with `relay`, its inbox consumer and event handlers
 * with `worker`. The relay and the inbox are bound to the context's messaging data source
 * (its own pool when the process also serves the API).
 */
export function moduleMessagingProviders(
  manifest: ModuleManifest,
  runtime: Runtime,
  listener: DatabaseListener,
  messaging: DataSource,
  outboxOf: PublisherOutbox,
): Provider[] {
  const providers: Provider[] = [
    {
      provide: Outbox,
      // Rings through the module's own data source: its database is where its relays listen.
      useFactory: (dataSource: DataSource) =>
        new Outbox(
          manifest.name,
          manifest.schema,
          manifest.publishes ?? [],
          new OutboxDoorbell(dataSource, manifest.schema),
        ),
      inject: [DataSource],
    },
  ];
  if (runtime.hasRole('relay') && (manifest.publishes ?? []).length > 0) {
    providers.push({
      provide: OutboxRelay,
      useFactory: (table: SubscriptionTable, queues: EventQueues, settings: Settings, state: ProcessState) =>
        new OutboxRelay(manifest, messaging, table, queues, settings, state, listener),
      inject: [SubscriptionTable, EventQueues, SETTINGS, ProcessState],
    });
  }
  // Every module has an outbox and an inbox; every process running the module keeps their
  // partitions (an API process writes the outbox), so no role's absence leaves a day without one.
  providers.push({
    provide: PartitionMaintenance,
    useFactory: (settings: Settings, state: ProcessState) =>
      new PartitionMaintenance(
        messaging,
        [
          { schema: manifest.schema, table: 'outbox', retentionHours: settings.outboxRetentionHours },
          {
            schema: manifest.schema,
            table: 'inbox',
            retentionHours: settings.inboxRetentionHours,
            pruneDefaultBy: 'occurred_at',
          },
        ],
        state,
        manifest.name,
      ),
    inject: [SETTINGS, ProcessState],
  });
  if (runtime.hasRole('worker') && (manifest.eventHandlers ?? []).length > 0) {
    providers.push(...(manifest.eventHandlers ?? []), ...(manifest.inboxLockOrder ? [manifest.inboxLockOrder] : []), {
      provide: InboxConsumer,
      useFactory: (
        table: SubscriptionTable,
        moduleRef: ModuleRef,
        workers: QueueWorkers,
        backend: QueueBackend,
        settings: Settings,
        queues: EventQueues,
      ) => {
        zeroEventAlertCounters(manifest.name, table.subscriptionsOf(manifest.name));
        return new InboxConsumer(manifest, messaging, table, moduleRef, workers, backend, settings, queues);
      },
      inject: [SubscriptionTable, ModuleRef, QueueWorkers, QUEUE_BACKEND, SETTINGS, EventQueues],
    });
    providers.push({
      provide: EventReconciler,
      useFactory: (table: SubscriptionTable, queues: EventQueues, settings: Settings, state: ProcessState) =>
        new EventReconciler(manifest, messaging, table, outboxOf, queues, settings, state),
      inject: [SubscriptionTable, EventQueues, SETTINGS, ProcessState],
    });
  }
  return providers;
}
