import { execFileSync } from 'node:child_process';
import request from 'supertest';
import { ENTRYPOINTS } from '../support/app-process';
import { eventually } from '../support/eventually';
import { startDisposableRedisCluster, startDisposableRedisSentinel } from '../support/disposable-services';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { reportGoal, Shop, type Answer } from './shop';

const STOCK = 100_000;

/** The integration events each module consumes, as `node dist/main.js modules` lists them. */
function subscriptions(): { module: string; publisher: string; name: string; version: number }[] {
  const modules = JSON.parse(execFileSync(process.execPath, [ENTRYPOINTS.main, 'modules'], { encoding: 'utf8' })) as {
    name: string;
    consumes: string[];
  }[];
  return modules.flatMap((m) =>
    m.consumes.map((key) => {
      const [name, version] = key.split('@') as [string, string];
      return { module: m.name, publisher: name.slice(0, name.indexOf('.')), name, version: Number(version) };
    }),
  );
}

/** Seconds (since the load began) in which at least one answer was an error: no answer, or a 5xx. */
function secondsWithErrors(answers: readonly Answer[]): number[] {
  const failed = answers.filter((a) => a.status === 0 || a.status >= 500);
  return [...new Set(failed.map((a) => Math.floor(a.at / 1000)))].sort((a, b) => a - b);
}

/** A Redis with a replica that takes over when its master dies, as the test sees it. */
interface RedisWithFailover {
  /** The settings that point Tessera at it. */
  readonly env: NodeJS.ProcessEnv;
  /** SIGKILLs the master that holds the queues; answers its port. */
  killMaster(): Promise<number>;
  /** The port of the master that holds the queues now. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

const setups: { name: string; start: (queuePrefix: string) => Promise<RedisWithFailover> }[] = [
  {
    name: 'Sentinel',
    start: async () => {
      const sentinel = await startDisposableRedisSentinel();
      return {
        env: { REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_MASTER: sentinel.masterName },
        killMaster: () => sentinel.killMaster(),
        masterPort: () => sentinel.masterPort(),
        stop: () => sentinel.stop(),
      };
    },
  },
  {
    // Every queue key carries the prefix's hash tag: the master of that slot holds all the queues.
    name: 'Cluster',
    start: async (queuePrefix) => {
      const cluster = await startDisposableRedisCluster(3, 1);
      return {
        env: { REDIS_CLUSTER_NODES: cluster.nodes },
        killMaster: () => cluster.killMasterOf(`{${queuePrefix}}`),
        masterPort: () => cluster.masterPortOf(`{${queuePrefix}}`),
        stop: () => cluster.stop(),
      };
    },
  },
];

/**
 * The Redis master killed (SIGKILL) under order load, with Tessera reaching Redis through three
 * sentinels, or as a Cluster of three masters with a replica each (the master holding the
 * queues killed): the replica is promoted within seconds and every client of the process
 * (BullMQ, the cache tier and its invalidation bus, the rate limiter, the health check) follows
 * the new master. Jobs the old master acknowledged but had not yet replicated are gone, as in a
 * restart: PostgreSQL is the record, so every order still ends confirmed or cancelled, the stock
 * is exact and every event reaches every subscriber's inbox.
 */
describe.each(setups)('fault: Redis master killed under $name, under order load', ({ name, start }) => {
  let redis: RedisWithFailover;
  let db: TestDatabase;
  const shop = new Shop();

  beforeAll(async () => {
    const queuePrefix = uniqueId('q');
    redis = await start(queuePrefix);
    db = await createTestDatabase(`fault_${name.toLowerCase()}`);
    await shop.start(
      {
        DATABASE_URL: db.url,
        ...redis.env,
        QUEUE_PREFIX: queuePrefix,
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
  }, 120_000);
  afterAll(async () => {
    await shop.app?.stop();
    await redis?.stop();
    await db?.drop();
  });

  it('fails over in seconds, leaves no order waiting, loses no event and keeps the stock exact', async () => {
    const killAtMs = 6000;
    let killedAt = 0;
    let promotedAfterMs = -1;
    const faults = (async () => {
      await new Promise((resolve) => setTimeout(resolve, killAtMs));
      killedAt = Date.now();
      const old = await redis.killMaster();
      const promoted = await eventually(
        () => redis.masterPort().catch(() => old),
        (port) => port !== old,
        { what: 'a replica promoted', timeoutMs: 60_000, intervalMs: 100 },
      );
      promotedAfterMs = Date.now() - killedAt;
      return promoted;
    })();
    // About 8 orders a second, as in the Redis loss test: a load the saga carries.
    const answers = await shop.load(4, 24_000, 250);
    await faults;

    // Nothing but a refusal the API describes (503 problem) or a success: no dropped connection, no bare 500.
    expect(answers.filter((a) => a.status === 0 || (a.status >= 500 && a.status !== 503))).toEqual([]);
    expect(answers.filter((a) => a.status === 503 && !a.problem)).toEqual([]);
    const accepted = answers.filter((a) => a.kind === 'order' && a.status === 201).length;
    expect(accepted).toBeGreaterThan(20);

    const { open, confirmed, stock } = await shop.settle(db, STOCK);

    // Every event a module subscribes to is in its inbox: sent, and handled.
    const missing = async () => {
      let count = 0;
      for (const s of subscriptions()) {
        const [{ n }] = (await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${s.publisher}.outbox o
            WHERE o.event_name = $1 AND o.event_version = $2
              AND NOT EXISTS (SELECT 1 FROM ${s.module}.inbox i WHERE i.event_id = o.event_id)`,
          [s.name, s.version],
        )) as [{ n: number }];
        count += n;
      }
      return count;
    };
    const lost = await eventually(missing, (n) => n === 0, {
      what: 'every event in every subscriber inbox',
      timeoutMs: 60_000,
      intervalMs: 1000,
    }).catch(missing);
    // Deliveries owed: each subscribed event once per subscriber.
    let events = 0;
    for (const s of subscriptions()) {
      const [{ n }] = (await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${s.publisher}.outbox WHERE event_name = $1 AND event_version = $2`,
        [s.name, s.version],
      )) as [{ n: number }];
      events += n;
    }

    const outcomes = await db.query<{ status: string; reason: string | null; n: number }>(
      `SELECT status, cancel_reason AS reason, count(*)::int AS n FROM ordering.orders GROUP BY 1, 2 ORDER BY 3 DESC`,
    );
    const killSecond = Math.floor(killAtMs / 1000);
    const errorSeconds = secondsWithErrors(answers);
    const refused = answers.filter((a) => a.status >= 500).length;
    const metrics = (await request(shop.app.url).get('/metrics')).text;
    const total = (metric: string) =>
      [...metrics.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
    const republished = total('events_republished_total');
    reportGoal(
      `Redis ${name} failover: master SIGKILLed ${killSecond} s into the load, replica promoted after ` +
        `${(promotedAfterMs / 1000).toFixed(1)} s; ${errorSeconds.length} second(s) with errors ` +
        `[${errorSeconds.join(', ')}] (${refused} of ${answers.length} answers 503); ${accepted} orders accepted, ` +
        `${open} left waiting (goal 0), ${confirmed} confirmed; stock ${stock.onHand} on hand / ${stock.reserved} ` +
        `reserved (goal ${STOCK - confirmed} / 0); outcomes ${JSON.stringify(outcomes)}; ${lost} of ${events} deliveries missing from an inbox (goal 0), ` +
        `${republished} re-published, ${total('events_failed_total')} handler failures, ` +
        `${total('events_dead_lettered_total')} dead letters`,
    );
    if (lost > 0 || open > 0) {
      // What the process said about it: its warnings and errors, each once.
      const said = shop.app
        .output()
        .split('\n')
        .filter((line) => /"level":"(warn|error|fatal)"/.test(line))
        .map((line) => line.replace(/"time":"[^"]*",|"reqId":"[^"]*",|\b[0-9a-f]{8}-[0-9a-f-]{27}\b/g, ''));
      reportGoal(`process warnings and errors:\n${[...new Set(said)].slice(0, 60).join('\n')}`);
    }
    expect(open).toBe(0);
    expect(lost).toBe(0);
    expect(stock).toMatchObject({ reserved: 0, onHand: STOCK - confirmed });
    // Every line the process wrote through the failover is JSON: no client printed its error as it is.
    const logged = shop.logged();
    expect(logged.unstructured).toEqual([]);
    // Nor did the process answer anyone a 500, the sandbox's webhooks to itself included.
    expect(logged.serverErrors).toEqual([]);
    // Orders still complete: how many depends on the machine (a charge past its deadline cancels).
    expect(confirmed).toBeGreaterThan(0);
    // The health check follows the new master too.
    await eventually(
      async () => {
        const res = await request(shop.app.url).get('/health/ready');
        return { status: res.status, body: res.body as unknown };
      },
      (ready) => ready.status === 200,
      { what: 'ready again on the new master', timeoutMs: 60_000 },
    );
  }, 300_000);
});
