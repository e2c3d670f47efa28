import { Histogram } from 'prom-client';
import { registeredMetric } from '#libs/observability';
import { workerPrecedence } from './worker-precedence';

const precedenceWait = registeredMetric(
  'worker_precedence_wait_seconds',
  () =>
    new Histogram({
      name: 'worker_precedence_wait_seconds',
      help: "How long a job waited for the first modules' jobs before it started (outcome: turn, or max_wait when the wait ran out)",
      labelNames: ['module', 'outcome'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
);

/** Orders this process's jobs and exports how long the others waited. */
export function configureWorkerPrecedence(first: readonly string[], maxWaitMs: number): void {
  workerPrecedence.configure({
    first,
    maxWaitMs,
    onWaited: (module, waitedMs, outcome) => precedenceWait.observe({ module, outcome }, waitedMs / 1000),
  });
}
