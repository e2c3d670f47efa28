import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BullModule } from '@nestjs/bullmq';
import { TerminusModule } from '@nestjs/terminus';
import { queueTelemetry } from '#libs/tracing';
import { bullConnection, type QueueBackend } from './queue-backend';
import { QueueConnectionLog } from './queue-connection-log';
import { QueueHealthIndicator } from './queue.health';
import { QueueWorkers } from './queue-workers';
import { QUEUE_BACKEND } from './tokens';

@Global()
@Module({})
export class QueueModule {
  static forRoot(backend: QueueBackend): DynamicModule {
    return {
      module: QueueModule,
      imports: [
        DiscoveryModule,
        TerminusModule,
        // With tracing on, a job carries the context of whoever queued it; the inbox queues carry it
        // in the event envelope instead (EventQueues, docs/decisions/0032-tracing-through-the-outbox.md).
        BullModule.forRoot({
          connection: bullConnection(backend),
          prefix: backend.prefix,
          telemetry: queueTelemetry(),
        }),
      ],
      providers: [
        { provide: QUEUE_BACKEND, useValue: backend },
        QueueHealthIndicator,
        QueueWorkers,
        QueueConnectionLog,
      ],
      exports: [QUEUE_BACKEND, QueueHealthIndicator, QueueWorkers, QueueConnectionLog],
    };
  }
}
