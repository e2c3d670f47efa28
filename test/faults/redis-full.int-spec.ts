import { Redis } from 'ioredis';
import { startDisposableRedis, type DisposableRedis } from '../support/disposable-services';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { counted, reportGoal, Shop } from './shop';

const STOCK = 100_000;
const FULL_MS = 10_000;

/**
 * Redis full under order load: `maxmemory` reached with `noeviction` (the setting the shipped
 * stacks use), so every command that would grow its memory, BullMQ's scripts included, is
 * refused with OOM for 10 s while reads go on. Nothing is lost: events wait in the outboxes,
 * jobs whose completion was refused run again, and every order ends confirmed or cancelled with
 * the stock exact once Redis has room again.
 */
describe('fault: Redis full (maxmemory, noeviction) under order load', () => {
  let redis: DisposableRedis;
  let admin: Redis;
  let db: TestDatabase;
  const shop = new Shop();

  beforeAll(async () => {
    redis = await startDisposableRedis();
    admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    db = await createTestDatabase('fault_redis_full');
    await shop.start({ DATABASE_URL: db.url, REDIS_URL: redis.url, QUEUE_PREFIX: uniqueId('q') }, STOCK);
  });
  afterAll(async () => {
    await shop.app?.stop();
    admin?.disconnect();
    await redis?.stop();
    await db?.drop();
  });

  it('refuses nothing it should not, loses no order and keeps the stock exact', async () => {
    let refusedWrites = 0;
    const faults = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 6000));
      const used = /used_memory:(\d+)/.exec(await admin.info('memory'))![1]!;
      await admin.config('SET', 'maxmemory', used);
      await new Promise((resolve) => setTimeout(resolve, FULL_MS));
      refusedWrites = Number(/errorstat_OOM:count=(\d+)/.exec(await admin.info('errorstats'))?.[1] ?? 0);
      await admin.config('SET', 'maxmemory', '0');
    })();
    // About 8 orders a second: a load the saga carries.
    const answers = await shop.load(4, 6000 + FULL_MS + 6000, 250);
    await faults;

    expect(answers.filter((a) => a.status === 0 || (a.status >= 500 && a.status !== 503))).toEqual([]);
    expect(answers.filter((a) => a.status === 503 && !a.problem)).toEqual([]);
    const accepted = answers.filter((a) => a.kind === 'order' && a.status === 201).length;
    const refused = answers.filter((a) => a.status === 503).length;

    const settling = Date.now();
    const { open, confirmed, stock } = await shop.settle(db, STOCK);
    const settledMs = Date.now() - settling;
    const republished = await counted(shop.app.url, 'events_republished_total');
    const recovered = await counted(shop.app.url, 'sweeper_recovered_total');
    const deadLetters = await counted(shop.app.url, 'events_dead_lettered_total');
    const logged = shop.logged();
    reportGoal(
      `Redis full ${FULL_MS / 1000} s: ${refusedWrites} commands refused with OOM; ${accepted} orders accepted, ` +
        `${refused} answers 503; ${open} left waiting (goal 0), all final ${(settledMs / 1000).toFixed(1)} s after the load; ` +
        `${republished} events re-published, ${recovered} states recovered by sweepers, ${deadLetters} dead letters; ` +
        `stock ${stock.onHand} on hand / ${stock.reserved} reserved for ${confirmed} confirmed; ` +
        `${logged.warnings} warnings and errors logged, ${logged.serverErrors.length} answers 500 (goal 0), ` +
        `${logged.unstructured.length} lines not JSON`,
    );
    expect(refusedWrites).toBeGreaterThan(0);
    expect(open).toBe(0);
    expect(stock).toMatchObject({ reserved: 0, onHand: STOCK - confirmed });
    expect(deadLetters).toBe(0);
    expect(logged.unstructured).toEqual([]);
    // A webhook whose job Redis refused is a 503 the sandbox retries, not a 500.
    expect(logged.serverErrors).toEqual([]);
  }, 300_000);
});
