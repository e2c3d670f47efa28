import { defineSettings, integer, setting, type Settings, type SettingsOf } from '#libs/config';

export type OrderingSettings = Settings & SettingsOf<typeof orderingSettings>;
export const orderingSettings = defineSettings({
  orderDeadlineSeconds: setting(
    'ORDER_DEADLINE_SECONDS',
    integer(1, 30 * 86_400),
    3600,
    'How long after it was placed an order may wait in `pending` or `stock_reserved` (for its reservation or its payment) before the sweeper cancels it `timed_out` (stock released, money refunded); a `paid` order that old is confirmed. Keep it well above RESERVATION_TTL_SECONDS, which normally ends an unpaid order first.',
  ),
  orderBacklogLimit: setting(
    'ORDER_BACKLOG_LIMIT',
    integer(0, 10_000_000),
    5000,
    'How many orders may be in the saga (placed, not yet `confirmed` or `cancelled`) before `POST /v1/orders` answers 503 `order-backlog-full` with `Retry-After`, so that no order waits in a queue until its reservation expires; 0 turns the limit off. Set it to the orders per second your saga processes carry times half of RESERVATION_TTL_SECONDS: the default, 5,000, is drained within half the default TTL (900 s) by a saga carrying 12 orders/s, a sixth of what one saga process carries on a 2-core machine (docs/decisions/0038).',
  ),
});
