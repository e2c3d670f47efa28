import { defineSettings, integer, setting, type Settings, type SettingsOf } from '#libs/config';

export type InventorySettings = Settings & SettingsOf<typeof inventorySettings>;
export const inventorySettings = defineSettings({
  reservationTtlSeconds: setting(
    'RESERVATION_TTL_SECONDS',
    integer(1, 7 * 86_400),
    900,
    'How long inventory holds stock for an order that is not confirmed; then the reservation sweeper releases it, within RESERVATION_SWEEP_INTERVAL_MS.',
  ),
  reservationSweepIntervalMs: setting(
    'RESERVATION_SWEEP_INTERVAL_MS',
    integer(100, 600_000),
    5_000,
    'How often each worker process running inventory releases the reservations past their expiry (the only thing that does): a reservation is released at most this long after RESERVATION_TTL_SECONDS has passed, plus the sweep itself. Each sweep is one indexed read of the held reservations that are due (nothing when none is), so a few seconds costs little; it does not follow SWEEP_INTERVAL_MS.',
  ),
  stockMovementRetentionDays: setting(
    'STOCK_MOVEMENT_RETENTION_DAYS',
    integer(1, 36_500),
    400,
    'Days the stock movements (the SKU audit trail) are kept; whole days past it are dropped by the workers.',
  ),
});
