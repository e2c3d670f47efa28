import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProcessState, SETTINGS } from '#libs/config';
import { PartitionMaintenance } from '#libs/database';
import type { InventorySettings } from '../../inventory.settings';

/**
 * Keeps the daily partitions of `inventory.stock_movements` (every process running the module): the days ahead are
 * created, a day older than STOCK_MOVEMENT_RETENTION_DAYS is dropped whole.
 */
@Injectable()
export class StockMovementPartitions extends PartitionMaintenance {
  constructor(dataSource: DataSource, @Inject(SETTINGS) settings: InventorySettings, state: ProcessState) {
    super(
      dataSource,
      [{ schema: 'inventory', table: 'stock_movements', retentionHours: settings.stockMovementRetentionDays * 24 }],
      state,
      'inventory',
    );
  }
}
