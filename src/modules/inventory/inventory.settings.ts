import { defineSettings, integer, setting, type Settings, type SettingsOf } from '#libs/config';

export type InventorySettings = Settings & SettingsOf<typeof inventorySettings>;
export const inventorySettings = defineSettings({
  reservationTtlSeconds: setting(
    'RESERVATION_TTL_SECONDS',
    integer(1, 7 * 86_400),
    900,
    'How long inventory holds stock for an order that is not confirmed; then a delayed job releases it (or the sweeper, if the job was lost).',
  ),
  stockMovementRetentionDays: setting(
    'STOCK_MOVEMENT_RETENTION_DAYS',
    integer(1, 36_500),
    400,
    'Days the stock movements (the SKU audit trail) are kept; whole days past it are dropped by the workers.',
  ),
});
