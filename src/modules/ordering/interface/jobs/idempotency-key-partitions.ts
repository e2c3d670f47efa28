import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProcessState, SETTINGS, type Settings } from '#libs/config';
import { PartitionMaintenance } from '#libs/database';

/**
 * Keeps the daily partitions of `ordering.idempotency_keys` (every process running the module): the days ahead are
 * created, a day whose keys are all past IDEMPOTENCY_KEY_TTL_HOURS is dropped whole. Expired keys
 * already count as absent, so a late drop only lets the table grow a little.
 */
@Injectable()
export class IdempotencyKeyPartitions extends PartitionMaintenance {
  constructor(dataSource: DataSource, @Inject(SETTINGS) settings: Settings, state: ProcessState) {
    super(
      dataSource,
      [{ schema: 'ordering', table: 'idempotency_keys', retentionHours: settings.idempotencyKeyTtlHours }],
      state,
      'ordering',
    );
  }
}
