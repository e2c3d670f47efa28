import { defineSettings, integer, setting, type Settings, type SettingsOf } from '#libs/config';

export type OrderingSettings = Settings & SettingsOf<typeof orderingSettings>;
export const orderingSettings = defineSettings({
  orderDeadlineSeconds: setting(
    'ORDER_DEADLINE_SECONDS',
    integer(1, 30 * 86_400),
    3600,
    'How long after it was placed an order may wait in `pending` or `stock_reserved` (for its reservation or its payment) before the sweeper cancels it `timed_out` (stock released, money refunded); a `paid` order that old is confirmed. Keep it well above RESERVATION_TTL_SECONDS, which normally ends an unpaid order first.',
  ),
});
