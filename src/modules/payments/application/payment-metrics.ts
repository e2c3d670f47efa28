import { Counter, Histogram } from 'prom-client';
import { registeredMetric } from '#libs/observability';
import { ProviderUnavailableError } from './ports/payment-provider';

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return registeredMetric(name, () => new Counter({ name, help, labelNames }));
}

/** How the payment provider behaves, for dashboards and alerts; labels: README, "Metrics". */
export const paymentMetrics = {
  providerCalls: counter('payment_provider_calls_total', 'Calls to the payment provider by operation and result', [
    'provider',
    'operation',
    'result',
  ]),
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
  webhooks: counter('payment_provider_webhooks_total', 'Verified provider webhooks by what became of them', [
    'provider',
    'result',
  ]),
  charges: counter(
    'payment_charges_total',
    'Charges by result (the first attempt, made at once, and each charge job)',
    ['result'],
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
