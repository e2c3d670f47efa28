import { Client } from 'pg';
import { counterTotal } from '../lib/counters';
import { waitFor } from '../lib/processes';

const UNFINISHED = `status IN ('pending', 'stock_reserved', 'paid')`;

/**
 * How fast one process carried orders through the whole saga (reservation, charge,
 * confirmation) while also serving the API: orders placed since `since`, over the time from
 * the first one's insert to the last one's final transition.
 */
export async function sagaThroughput(
  databaseUrl: string,
  since: Date,
  timeoutMs = 600_000,
): Promise<{ readonly orders: number; readonly perSecond: number }> {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    await waitFor(
      async () =>
        Number(
          (
            await sql.query(`SELECT count(*) AS n FROM ordering.orders WHERE ${UNFINISHED} AND created_at >= $1`, [
              since,
            ])
          ).rows[0].n,
        ) === 0,
      'the saga to finish the orders placed',
      timeoutMs,
    );
    const { rows } = await sql.query<{ n: string; span: number }>(
      `SELECT count(*) AS n, extract(epoch FROM max(updated_at) - min(created_at)) AS span
         FROM ordering.orders WHERE created_at >= $1`,
      [since],
    );
    const span = Number(rows[0]!.span);
    const orders = Number(rows[0]!.n);
    return { orders, perSecond: span > 0 ? Math.round((orders / span) * 10) / 10 : Number.NaN };
  } finally {
    await sql.end();
  }
}

/** Waits until no order is mid-saga, so the next scenario does not inherit a backlog. */
export async function sagaDrained(databaseUrl: string, timeoutMs = 600_000): Promise<void> {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    await waitFor(
      async () =>
        Number((await sql.query(`SELECT count(*) AS n FROM ordering.orders WHERE ${UNFINISHED}`)).rows[0].n) === 0,
      'the saga backlog to drain',
      timeoutMs,
    );
  } finally {
    await sql.end();
  }
}

/**
 * Waits until no event is left in flight: nothing unsent in any outbox, nothing waiting or
 * active on any inbox queue (from the app's /metrics). Finished orders still leave events
 * behind (stock commits, emails); a module's inbox is one queue in arrival order, so a
 * timing that starts before they are handled waits behind them.
 */
export function eventsDrained(baseUrl: string, timeoutMs = 600_000): Promise<void> {
  return drained(baseUrl, /queue="inbox\.[^"]*",state="(waiting|active)"/, 'every outbox and inbox queue', timeoutMs);
}

/**
 * Waits until the saga's tail has run too: nothing unsent in any outbox, nothing waiting or
 * active on any queue (inboxes, emails, charges, webhooks). Orders reach their final state
 * before their emails are sent and their stock committed; a baseline measured while that tail
 * still runs shares the machine with it and measures far less than the machine can do.
 * Delayed jobs (retries due later) are not waited for.
 */
export function everythingDrained(baseUrl: string, timeoutMs = 600_000): Promise<void> {
  return drained(baseUrl, /state="(waiting|active)"/, 'every outbox and queue', timeoutMs);
}

/** Events the inbox jobs of these processes delivered so far, and those jobs. */
export async function deliveryJobTotals(urls: readonly string[]): Promise<{ events: number; jobs: number }> {
  const metrics = await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
  return {
    events: metrics.reduce((sum, text) => sum + counterTotal(text, 'event_delivery_job_events_sum'), 0),
    jobs: metrics.reduce((sum, text) => sum + counterTotal(text, 'event_delivery_job_events_count'), 0),
  };
}

async function drained(baseUrl: string, busyQueues: RegExp, what: string, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      return counterTotal(metrics, 'outbox_pending') === 0 && counterTotal(metrics, 'queue_jobs', busyQueues) === 0;
    },
    `${what} to drain`,
    timeoutMs,
  );
}
