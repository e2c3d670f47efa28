/** What webhook attempts and emails came to, for dashboards and alerts. */
export abstract class NotificationMetrics {
  /** `retrying`: a failed attempt that will be retried; `failed`: for good. */
  abstract webhookAttempt(outcome: 'delivered' | 'retrying' | 'failed'): void;
  abstract endpointDisabled(): void;
  /** An attempt to send; a failed one is retried by its job. */
  abstract emailAttempt(outcome: 'sent' | 'failed'): void;
}
