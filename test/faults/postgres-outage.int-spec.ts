import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { startDisposablePostgres, type DisposablePostgres } from '../support/disposable-services';
import { queueBackends } from '../support/queue-backends';
import { percentile, reportGoal, Shop, type Answer } from './shop';

const STOCK = 100_000;
const OUTAGE_MS = 20_000;

/**
 * PostgreSQL restarted, then stopped for 20 s, under orders and reads: requests are refused
 * with 503 problem+json at once, the app serves again as soon as the database is back, and
 * every order accepted before, during or after ends in a final state with the stock exact.
 */
describe('fault: PostgreSQL restarted and stopped under load', () => {
  const backend = queueBackends().find((b) => b.name === 'redis')!;
  let postgres: DisposablePostgres;
  let databaseUrl: string;
  const shop = new Shop();

  beforeAll(async () => {
    postgres = await startDisposablePostgres();
    const admin = new Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE DATABASE tessera');
    await admin.end();
    databaseUrl = postgres.url.replace(/\/postgres$/, '/tessera');
    await shop.start({ DATABASE_URL: databaseUrl, ...backend.env(), DATABASE_CONNECT_RETRY_MS: '100' }, STOCK);
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

    // Orders sent while it was down are refused quickly; product reads are served from the cache.
    const during = answers.filter((a) => a.at > stopped + 500 && a.at + a.ms < back);
    const refusedMs = during.filter((a) => a.kind === 'order').map((a) => a.ms);
    const reads = during.filter((a) => a.kind === 'read');
    const servedAgain = answers
      .filter((a) => a.kind === 'order' && a.status === 201 && a.at + a.ms > back)
      .map((a) => a.at + a.ms - back);
    const firstServed = servedAgain.length > 0 ? Math.min(...servedAgain) : Number.POSITIVE_INFINITY;
    reportGoal(
      `PostgreSQL down: orders refused with 503 problem+json in p99 ${percentile(refusedMs, 99)} ms (goal ≤ 200 ms); ` +
        `${reads.filter((a) => a.status === 200).length} of ${reads.length} product reads served meanwhile; ` +
        `serving orders again ${firstServed} ms after it was back (goal ≤ 1000 ms)`,
    );
    expect(refusedMs.length).toBeGreaterThan(0);
    expect(percentile(refusedMs, 99)).toBeLessThan(2000);
    expect(firstServed).toBeLessThan(10_000);

    // Every order accepted ends confirmed or cancelled, and the stock matches what was sold.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const open = await eventually(
        async () =>
          (
            await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM ordering.orders WHERE status NOT IN ('confirmed', 'cancelled')`,
            )
          ).rows[0]!.n,
        (n) => n === 0,
        { what: 'every order in a final state', timeoutMs: 120_000, intervalMs: 500 },
      );
      const accepted = answers.filter((a) => a.kind === 'order' && a.status === 201).length;
      const { rows } = await db.query<{ confirmed: number }>(
        `SELECT count(*)::int AS confirmed FROM ordering.orders WHERE status = 'confirmed'`,
      );
      const stock = (await shop.stock()).body as { onHand: number; reserved: number };
      reportGoal(`PostgreSQL down: ${accepted} orders accepted, ${open} left waiting (goal 0), stock exact`);
      expect(stock).toMatchObject({ reserved: 0, onHand: STOCK - rows[0]!.confirmed });
    } finally {
      await db.end();
    }
  }, 240_000);
});
