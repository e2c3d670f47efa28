import { Inject, Injectable, Logger } from '@nestjs/common';
import { SETTINGS } from '#libs/config';
import { BacklogLimit } from '../domain/order-backlog';
import type { OrderingSettings } from '../ordering.settings';
import { BacklogGate } from './backlog-gate';
import { OrderBacklogReader } from './ports/order-backlog-reader';

/** ORDER_BACKLOG_LIMIT applied to order placement, one gate per process (see `BacklogGate`). */
@Injectable()
export class OrderAdmission extends BacklogGate {
  constructor(reader: OrderBacklogReader, @Inject(SETTINGS) settings: OrderingSettings) {
    const logger = new Logger('Ordering');
    super(
      new BacklogLimit(settings.orderBacklogLimit),
      (countUpTo) => reader.read(countUpTo),
      (error) => logger.warn(`could not read the order backlog: ${String(error)}`),
    );
  }
}
