import { Counter, Histogram } from 'prom-client';
import { registeredMetric } from '#libs/observability';
import { ProviderUnavailableError } from '../application/ports/payment-provider';

/** How the payment provider behaves, for dashboards and alerts (a slow or failing provider shows here first). */
export const paymentMetrics = {
  /** `operation`: charge, find-charge, refund; `result`: ok, unavailable (timeouts, 503s), error. */
  providerCalls: registeredMetric(
    'payment_provider_calls_total',
    () =>
      new Counter({
        name: 'payment_provider_calls_total',
        help: 'Calls to the payment provider by operation and result',
        labelNames: ['provider', 'operation', 'result'],
      }),
  ),
  providerCallDuration: registeredMetric(
    'payment_provider_call_duration_seconds',
    () =>
      new Histogram({
        name: 'payment_provider_call_duration_seconds',
        help: 'Duration of calls to the payment provider',
        labelNames: ['provider', 'operation'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  ),
  /**
   * Verified provider webhooks by what became of them: `queued` (a job applies it),
   * `settled-at-receipt` (the payment already showed it), `duplicate` (an event id seen before).
   */
  webhooks: registeredMetric(
    'payment_provider_webhooks_total',
    () =>
      new Counter({
        name: 'payment_provider_webhooks_total',
        help: 'Verified provider webhooks by what became of them',
        labelNames: ['provider', 'result'],
      }),
  ),
  /** What charge jobs came to: charged, declined, requires-action, settled-before, abandoned. */
  charges: registeredMetric(
    'payment_charges_total',
    () =>
      new Counter({
        name: 'payment_charges_total',
        help: 'Charge jobs by result',
        labelNames: ['result'],
      }),
  ),
};

/** Runs one provider call, counting it and timing it. */
export async function measuredProviderCall<T>(provider: string, operation: string, call: () => Promise<T>): Promise<T> {
  const stopTimer = paymentMetrics.providerCallDuration.startTimer({ provider, operation });
  try {
    const result = await call();
    paymentMetrics.providerCalls.inc({ provider, operation, result: 'ok' });
    return result;
  } catch (error) {
    const result = error instanceof ProviderUnavailableError ? 'unavailable' : 'error';
    paymentMetrics.providerCalls.inc({ provider, operation, result });
    throw error;
  } finally {
    stopTimer();
  }
}
