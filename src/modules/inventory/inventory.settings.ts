import { defineSettings, integer, setting, type Settings, type SettingsOf } from '#libs/config';

export type InventorySettings = Settings & SettingsOf<typeof inventorySettings>;
export const inventorySettings = defineSettings({
  reservationTtlSeconds: setting(
    'RESERVATION_TTL_SECONDS',
    integer(1, 7 * 86_400),
    900,
    'How long inventory holds stock for an order that is not confirmed; then a delayed job releases it (or the sweeper, if the job was lost).',
  ),
});
