import { register } from 'prom-client';

/**
 * The metric registered under `name`, created on first use. Metrics live in prom-client's
 * global registry, and several Nest apps may start in one process (tests, the CLI): creating
 * a metric twice would throw.
 */
export function registeredMetric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}
