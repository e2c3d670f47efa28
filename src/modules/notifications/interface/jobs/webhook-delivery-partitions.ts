import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProcessState, SETTINGS } from '#libs/config';
import { PartitionMaintenance } from '#libs/database';
import type { NotificationsSettings } from '../../notifications.settings';

/**
 * Keeps the daily partitions of `notifications.webhook_deliveries` (every process running the module): the days ahead
 * are created, a day older than WEBHOOK_DELIVERY_RETENTION_DAYS is dropped whole, and deliveries
 * of late-replayed events (the default partition) are deleted once created that long ago.
 */
@Injectable()
export class WebhookDeliveryPartitions extends PartitionMaintenance {
  constructor(dataSource: DataSource, @Inject(SETTINGS) settings: NotificationsSettings, state: ProcessState) {
    super(
      dataSource,
      [
        {
          schema: 'notifications',
          table: 'webhook_deliveries',
          retentionHours: settings.webhookDeliveryRetentionDays * 24,
          pruneDefaultBy: 'created_at',
        },
      ],
      state,
      'notifications',
    );
  }
}
