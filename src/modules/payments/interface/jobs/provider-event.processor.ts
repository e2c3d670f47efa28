import { WorkerHost } from '@nestjs/bullmq';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { JobProcessor } from '#libs/messaging';
import { ApplyProviderEvent } from '../../application/commands/apply-provider-event.handler';
import { PROVIDER_EVENT_QUEUE, type ProviderEventJob } from '../../infrastructure/bullmq-payment-jobs';

@JobProcessor(PROVIDER_EVENT_QUEUE)
export class ProviderEventProcessor extends WorkerHost {
  constructor(private readonly commands: CommandBus) {
    super();
  }

  process(job: Job<ProviderEventJob>): Promise<string> {
    return this.commands.execute(new ApplyProviderEvent(job.data.provider, job.data.eventId));
  }
}
