/** The event types a webhook endpoint can subscribe to: the public names of integration events. */
export const WEBHOOK_EVENT_TYPES = [
  'order.placed',
  'order.confirmed',
  'order.cancelled',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
