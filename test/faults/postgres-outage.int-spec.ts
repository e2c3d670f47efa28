import { Client } from 'pg';
import { Queue } from 'bullmq';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { startDisposablePostgres, type DisposablePostgres } from '../support/disposable-services';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { REDIS_URL } from '../support/services';
import { percentile, reportGoal, Shop, type Answer } from './shop';

const STOCK = 100_000;
const OUTAGE_MS = 20_000;

/**
 * Retries close together: every job in flight when the database stops would spend all its
 * attempts well within the 20 s outage (events: 8 attempts in at most 12.7 s; charges: 5 in at
 * most 1.5 s). Waiting it out must not count (docs/decisions/0040-outages-spend-no-attempts.md).
 */
const SHORT_BACKOFF = { EVENT_RETRY_DELAY_MS: '100', PAYMENT_RETRY_DELAY_MS: '100' };

/**
 * On the PostgreSQL queue backend the saga carries fewer orders than the load places (about 50 a
 * second beside the load here, 130 after it): the back-pressure, not the outage, decides how
 * many are left to finish after the load. 1,500 is drained in about 12 s.
 */
const BACKLOG = { ORDER_BACKLOG_LIMIT: '1500' };

/** The series of a metric on /metrics (labels as written, value), those with `labels` when given. */
async function metricSeries(url: string, metric: string, labels = ''): Promise<[string, number][]> {
  const text = (await request(url).get('/metrics')).text;
  return [...text.matchAll(new RegExp(`^${metric}(?:\\{([^}]*)\\})? (\\d+(?:\\.\\d+)?)`, 'gm'))]
    .map((match): [string, number] => [match[1] ?? '', Number(match[2])])
    .filter(([written, value]) => written.includes(labels) && value > 0);
}

/** Why the failed jobs of the queues in `failed` failed, counted by reason, to say what went wrong. */
async function failedReasons(
  backend: QueueBackendUnderTest,
  db: Client,
  failed: [string, number][],
): Promise<Record<string, number>> {
  const reasons: Record<string, number> = {};
  const count = (reason: string): void => {
    const key = reason.replace(/[0-9a-f-]{36}/g, '…');
    reasons[key] = (reasons[key] ?? 0) + 1;
  };
  if (backend.name === 'postgres') {
    const { rows } = await db.query<{ queue: string; failed_reason: string }>(
      `SELECT queue, failed_reason FROM bullmq.job WHERE state = 'failed' LIMIT 1000`,
    );
    for (const row of rows) count(`${row.queue}: ${row.failed_reason}`);
    return reasons;
  }
  const prefix = backend.env().QUEUE_PREFIX!;
  for (const [labels] of failed) {
    const queue = new Queue(/queue="([^"]+)"/.exec(labels)![1]!, { connection: { url: REDIS_URL }, prefix });
    for (const job of await queue.getFailed(0, 200)) count(`${queue.name}: ${job.failedReason}`);
    await queue.close();
  }
  return reasons;
}

const backlogFull = (answer: Answer): boolean =>
  answer.status === 503 &&
  String((answer.body as { type?: unknown } | undefined)?.type).endsWith('/order-backlog-full');

const sum = (series: [string, number][]): number => series.reduce((total, [, value]) => total + value, 0);

/**
 * PostgreSQL restarted, then stopped for 20 s, under orders and reads: requests are refused
 * with 503 problem+json at once, the app serves again as soon as the database is back, and
 * every order accepted before, during or after ends in a final state with the stock exact,
 * soon after the database is back: no job spent its attempts on the outage.
 */
describe.each(queueBackends())('fault: PostgreSQL restarted and stopped under load, queues on $name', (backend) => {
  let postgres: DisposablePostgres;
  let databaseUrl: string;
  const shop = new Shop();

  beforeAll(async () => {
    postgres = await startDisposablePostgres();
    databaseUrl = await postgres.createDatabase('tessera');
    await shop.start(
      { DATABASE_URL: databaseUrl, ...backend.env(), DATABASE_CONNECT_RETRY_MS: '100', ...SHORT_BACKOFF, ...BACKLOG },
      STOCK,
    );
  });
  afterAll(async () => {
    await shop.app?.stop();
    await backend.cleanup();
    await postgres?.destroy();
  });

  it('refuses at once while it is down, serves again when it is back, and no order is left waiting', async () => {
    const began = Date.now();
    const events: { restarted?: [number, number]; stopped?: number; back?: number } = {};
    const faults = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const restarting = Date.now() - began;
      await postgres.restart();
      events.restarted = [restarting, Date.now() - began];
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await postgres.stop();
      events.stopped = Date.now() - began;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await postgres.start();
      events.back = Date.now() - began;
    })();
    const answers: Answer[] = await shop.load(8, 4000 + 2000 + 5000 + OUTAGE_MS + 8000);
    await faults;
    const { stopped, back } = events as Required<typeof events>;

    const unanswered = answers.filter((a) => a.status === 0);
    const serverErrors = answers.filter((a) => a.status >= 500 && a.status !== 503);
    const refusals = answers.filter((a) => a.status === 503);
    expect(unanswered).toEqual([]);
    expect(serverErrors.map((a) => `${a.kind} ${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    expect(refusals.filter((a) => !a.problem)).toEqual([]);
    expect(refusals.length).toBeGreaterThan(0);

    // Orders sent while it was down are refused quickly; product reads are served from the cache,
    // past the entries' TTL (CACHE_STALE_IF_ERROR_SECONDS).
    const during = answers.filter((a) => a.at > stopped + 500 && a.at + a.ms < back);
    const refusedMs = during.filter((a) => a.kind === 'order').map((a) => a.ms);
    const reads = during.filter((a) => a.kind === 'read');
    // Served: accepted, or refused because the backlog is full, which the database was there to say.
    const servedAgain = answers
      .filter((a) => a.kind === 'order' && (a.status === 201 || backlogFull(a)) && a.at + a.ms > back)
      .map((a) => a.at + a.ms - back);
    const firstServed = servedAgain.length > 0 ? Math.min(...servedAgain) : Number.POSITIVE_INFINITY;
    reportGoal(
      `PostgreSQL down: orders refused with 503 problem+json in p99 ${percentile(refusedMs, 99)} ms (goal ≤ 200 ms); ` +
        `${reads.filter((a) => a.status === 200).length} of ${reads.length} product reads served meanwhile; ` +
        `serving orders again ${firstServed} ms after it was back (goal ≤ 1000 ms)`,
    );
    expect(refusedMs.length).toBeGreaterThan(0);
    expect(reads.filter((a) => a.status !== 200).map((a) => `${a.status} at ${a.at} ms`)).toEqual([]);
    expect(percentile(refusedMs, 99)).toBeLessThan(2000);
    expect(firstServed).toBeLessThan(10_000);

    // Every order accepted ends confirmed or cancelled, and the stock matches what was sold.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // Sweepers take up lost work only after 120 s (PAYMENT_CHARGE_DEADLINE_SECONDS), and lost
      // events after 300 s (EVENT_DELIVERY_DEADLINE_SECONDS): within 30 s, the jobs did it.
      const settling = Date.now();
      const open = await eventually(
        async () =>
          (
            await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM ordering.orders WHERE status NOT IN ('confirmed', 'cancelled')`,
            )
          ).rows[0]!.n,
        (n) => n === 0,
        { what: 'every order in a final state', timeoutMs: 30_000, intervalMs: 500 },
      ).catch(() => -1);
      const settledMs = Date.now() - settling;
      const accepted = answers.filter((a) => a.kind === 'order' && a.status === 201).length;
      const { rows } = await db.query<{ confirmed: number }>(
        `SELECT count(*)::int AS confirmed FROM ordering.orders WHERE status = 'confirmed'`,
      );
      const stock = await shop.settledStock(STOCK - rows[0]!.confirmed, 30_000);
      const deadLetters = sum(await metricSeries(shop.app.url, 'events_dead_lettered_total'));
      const failed = await metricSeries(shop.app.url, 'queue_jobs', 'state="failed"');
      const failedJobs = sum(failed);
      const deferred = sum(await metricSeries(shop.app.url, 'queue_jobs_deferred_total'));
      reportGoal(
        `PostgreSQL down: ${accepted} orders accepted (${answers.filter(backlogFull).length} refused while the backlog was full), all final ${(settledMs / 1000).toFixed(1)} s after the load ` +
          `(${open === -1 ? 'NOT within 30 s' : 'goal ≤ 30 s'}); ${deadLetters} dead letters and ${failedJobs} failed jobs ` +
          `(goal 0${failedJobs > 0 ? `: ${JSON.stringify(await failedReasons(backend, db, failed))}` : ''}); ${deferred} jobs put back to wait out the outage`,
      );
      // Every relay, sweeper and refused request fails again and again meanwhile: summed up, not one line each.
      const logged = shop.logged();
      reportGoal(
        `PostgreSQL down: ${logged.warnings} warnings and errors logged (goal < 150), ${logged.unstructured.length} lines not JSON (goal 0)`,
      );
      expect(open).toBe(0);
      expect({ deadLetters, failedJobs }).toEqual({ deadLetters: 0, failedJobs: 0 });
      expect(logged.unstructured).toEqual([]);
      // Nor did the process answer anyone a 500, the sandbox's webhooks to itself included.
      expect(logged.serverErrors).toEqual([]);
      expect(logged.warnings).toBeLessThan(150);
      // With the queues in PostgreSQL a job cannot be put back while it is down either, only when a
      // connection broke and the queue's was already back (docs/decisions/0040): by chance, not by design.
      if (backend.name === 'redis') expect(deferred).toBeGreaterThan(0);
      expect(stock).toMatchObject({ reserved: 0, onHand: STOCK - rows[0]!.confirmed });
    } finally {
      await db.end();
    }
  }, 240_000);
});
