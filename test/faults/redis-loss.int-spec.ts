import request from 'supertest';
import { startDisposableRedis, type DisposableRedis } from '../support/disposable-services';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { counted, reportGoal, Shop } from './shop';

const STOCK = 100_000;

/**
 * Redis killed under order load and started again without its data (what a restart without
 * persistence, a failover with asynchronous replication or an eviction also do): queued events
 * and delayed jobs are gone. PostgreSQL is the record: the event reconciler and the deadline
 * sweepers find the lost work there, so every order ends confirmed or cancelled and the stock
 * is exact.
 */
describe('fault: Redis restarted empty under order load', () => {
  let redis: DisposableRedis;
  let db: TestDatabase;
  const shop = new Shop();

  beforeAll(async () => {
    redis = await startDisposableRedis();
    db = await createTestDatabase('fault_redis');
    await shop.start(
      {
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: uniqueId('q'),
        // Deadlines short enough for a test to watch them pass.
        EVENT_DELIVERY_DEADLINE_SECONDS: '5',
        EVENT_RECONCILE_INTERVAL_MS: '1000',
        RESERVATION_TTL_SECONDS: '30',
        SWEEP_INTERVAL_MS: '1000',
        PAYMENT_CHARGE_DEADLINE_SECONDS: '10',
        ORDER_DEADLINE_SECONDS: '60',
      },
      STOCK,
    );
  });
  afterAll(async () => {
    await shop.app?.stop();
    await redis?.stop();
    await db?.drop();
  });

  it('leaves no order waiting after the deadlines, and the stock exact', async () => {
    const faults = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 8000));
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 8000));
      await redis.start();
    })();
    // About 8 orders a second: a load the saga carries, so every order can end before its deadline.
    const answers = await shop.load(4, 28_000, 250);
    await faults;

    expect(answers.filter((a) => a.status === 0 || (a.status >= 500 && a.status !== 503))).toEqual([]);
    expect(answers.filter((a) => a.status === 503 && !a.problem)).toEqual([]);
    const accepted = answers.filter((a) => a.kind === 'order' && a.status === 201).length;
    expect(accepted).toBeGreaterThan(50);

    const { open, confirmed, stock } = await shop.settle(db, STOCK);
    const outcomes = await db.query<{ status: string; reason: string | null; n: number }>(
      `SELECT status, cancel_reason AS reason, count(*)::int AS n FROM ordering.orders GROUP BY 1, 2 ORDER BY 3 DESC`,
    );
    const byKind = [
      ...(await request(shop.app.url).get('/metrics')).text.matchAll(/^sweeper_recovered_total\{([^}]*)\} (\d+)/gm),
    ]
      .filter((m) => m[2] !== '0')
      .map((m) => `${m[1]}=${m[2]}`);
    const unsent = await db.query(
      `SELECT (SELECT count(*) FROM ordering.outbox WHERE sent_at IS NULL) AS ordering,
              (SELECT count(*) FROM inventory.outbox WHERE sent_at IS NULL) AS inventory,
              (SELECT count(*) FROM payments.outbox WHERE sent_at IS NULL) AS payments`,
    );
    const payments = await db.query(`SELECT status, count(*)::int AS n FROM payments.payments GROUP BY 1`);
    reportGoal(
      `Redis lost empty: orders by outcome ${JSON.stringify(outcomes)}; sweepers ${byKind.join(', ')}; ` +
        `unsent ${JSON.stringify(unsent)}; payments ${JSON.stringify(payments)}`,
    );
    const republished = await counted(shop.app.url, 'events_republished_total');
    const recovered = await counted(shop.app.url, 'sweeper_recovered_total');
    reportGoal(
      `Redis lost empty: ${accepted} orders accepted, ${open} left waiting after the deadlines (goal 0), ` +
        `${republished} events re-published, ${recovered} waiting states recovered by sweepers, ` +
        `stock ${stock.onHand} on hand / ${stock.reserved} reserved for ${confirmed} confirmed orders`,
    );
    expect(confirmed).toBeGreaterThan(accepted / 2);
    expect(stock).toMatchObject({ reserved: 0, onHand: STOCK - confirmed });

    // Every queue, worker and rate-limited request meets the lost connection: summed up, all of it JSON.
    const logged = shop.logged();
    reportGoal(
      `Redis lost empty: ${logged.warnings} warnings and errors logged (goal < 50), ${logged.unstructured.length} lines not JSON (goal 0)`,
    );
    expect(logged.unstructured).toEqual([]);
    // Nor did the process answer anyone a 500, the sandbox's webhooks to itself included.
    expect(logged.serverErrors).toEqual([]);
    expect(logged.warnings).toBeLessThan(50);
  }, 300_000);
});
