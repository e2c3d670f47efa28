/**
 * Retries `attempt` until it succeeds or `stopped()` turns true, doubling the delay from
 * `firstDelayMs` up to `maxDelayMs`, and reporting each failure. Used at start-up so a
 * process whose database is not up yet waits for it instead of crashing.
 */
export async function retryUntilConnected<T>(options: {
  attempt: () => Promise<T>;
  onFailure: (attempt: number, error: unknown, nextDelayMs: number) => void;
  firstDelayMs: number;
  maxDelayMs: number;
  stopped: () => boolean;
}): Promise<T | undefined> {
  let delay = options.firstDelayMs;
  for (let attempt = 1; !options.stopped(); attempt++) {
    try {
      return await options.attempt();
    } catch (error) {
      options.onFailure(attempt, error, delay);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
  return undefined;
}
