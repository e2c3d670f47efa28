import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, type Settings } from '#libs/config';
import { IdempotencyKeys } from './idempotency-keys';

/** `IdempotencyKeys` on the module's own DataSource, keys kept IDEMPOTENCY_KEY_TTL_HOURS. */
export function idempotencyKeysProvider(): Provider {
  return {
    provide: IdempotencyKeys,
    useFactory: (dataSource: DataSource, settings: Settings) =>
      new IdempotencyKeys(dataSource, { ttlHours: settings.idempotencyKeyTtlHours }),
    inject: [DataSource, SETTINGS],
  };
}
