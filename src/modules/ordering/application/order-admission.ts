import { Inject, Injectable, Logger } from '@nestjs/common';
import { SETTINGS } from '#libs/config';
import { RepeatedFailureLog } from '#libs/observability';
import { BacklogLimit } from '../domain/order-backlog';
import type { OrderingSettings } from '../ordering.settings';
import { BacklogGate } from './backlog-gate';
import { OrderBacklogReader } from './ports/order-backlog-reader';

/** ORDER_BACKLOG_LIMIT applied to order placement, one gate per process (see `BacklogGate`). */
@Injectable()
export class OrderAdmission extends BacklogGate {
  constructor(reader: OrderBacklogReader, @Inject(SETTINGS) settings: OrderingSettings) {
    const failures = new RepeatedFailureLog(new Logger('Ordering'), 'could not read the order backlog', 'on-success');
    super(
      new BacklogLimit(settings.orderBacklogLimit),
      async (countUpTo) => {
        const backlog = await reader.read(countUpTo);
        failures.succeeded();
        return backlog;
      },
      (error) => failures.failed(String(error)),
    );
  }
}
