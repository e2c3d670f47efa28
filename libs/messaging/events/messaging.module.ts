import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { QUEUE_BACKEND } from '../tokens';
import type { QueueBackend } from '../queue-backend';
import { QueueConnectionLog } from '../queue-connection-log';
import { DeadLetters } from './dead-letters';
import { DeadLettersController } from './dead-letters.controller';
import { EventQueues } from './event-queues';
import { MessagingObservability } from './messaging-observability';
import { SubscriptionTable } from './subscription-table';

class EventQueuesLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EventQueues) private readonly queues: EventQueues) {}
  onApplicationShutdown(): Promise<void> {
    return this.queues.close();
  }
}

/** The process-wide half of integration events: subscription table, queues, dead letters. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(table: SubscriptionTable, withApi: boolean): DynamicModule {
    return {
      module: MessagingModule,
      imports: [TerminusModule],
      controllers: withApi ? [DeadLettersController] : [],
      providers: [
        { provide: SubscriptionTable, useValue: table },
        {
          provide: EventQueues,
          useFactory: (backend: QueueBackend, log: QueueConnectionLog) => new EventQueues(backend, log),
          inject: [QUEUE_BACKEND, QueueConnectionLog],
        },
        {
          provide: DeadLetters,
          useFactory: (t: SubscriptionTable, q: EventQueues) => new DeadLetters(t, q),
          inject: [SubscriptionTable, EventQueues],
        },
        EventQueuesLifecycle,
        MessagingObservability,
      ],
      exports: [SubscriptionTable, EventQueues, DeadLetters],
    };
  }
}
