import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { PatroniCluster } from '../support/patroni-cluster';
import { queueBackends } from '../support/queue-backends';
import { acknowledgedOrders, type Answer, missingOrders, openOrders, percentile, reportGoal, Shop } from './shop';

const STOCK = 100_000;
/** Orders before etcd goes, so that some are in every stage of the saga when it does. */
const BEFORE_MS = 5000;
/** Twice the test cluster's `ttl` (10 s): long enough for the leader key to expire. */
const OUTAGE_MS = 20_000;
const AFTER_MS = 10_000;

/**
 * etcd, Patroni's DCS, stopped for 20 s under order load, PostgreSQL itself untouched. With
 * `failsafe_mode` the primary stays primary (it still reaches its standby) and Tessera goes on
 * accepting orders; without it Patroni demotes the primary once its leader key expires, so
 * writes are refused with 503 problem+json until etcd is back and a leader is elected again.
 * Either way no acknowledged order is lost, every order ends confirmed or cancelled and the
 * stock is exact (docs/operations.md, "PostgreSQL under Patroni").
 */
describe.each([{ failsafe: true }, { failsafe: false }])(
  'fault: etcd (Patroni DCS) stopped under order load, failsafe_mode $failsafe',
  ({ failsafe }) => {
    const backend = queueBackends().find((b) => b.name === 'redis')!;
    let cluster: PatroniCluster | undefined;
    const shop = new Shop();

    beforeAll(async () => {
      cluster = await PatroniCluster.start({ synchronous: true, failsafe });
      const admin = new Client({ connectionString: cluster.primaryUrl() });
      await admin.connect();
      await admin.query('CREATE DATABASE tessera');
      await admin.end();
      await shop.start(
        {
          DATABASE_URL: cluster.primaryUrl('tessera'),
          DATABASE_REPLICA_URLS: cluster.replicaUrl('tessera'),
          ...backend.env(),
          DATABASE_CONNECT_RETRY_MS: '100',
        },
        STOCK,
        90_000,
      );
    }, 180_000);
    afterAll(async () => {
      await shop.app?.stop();
      await backend.cleanup();
      await cluster?.stop();
    });

    it('loses no acknowledged order and finishes every order', async () => {
      const began = Date.now();
      const at = () => Date.now() - began;
      const events: { stopped?: number; back?: number } = {};
      const faults = (async () => {
        await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
        await cluster!.stopEtcd();
        events.stopped = at();
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        await cluster!.startEtcd();
        events.back = at();
      })();
      const answers: Answer[] = await shop.load(8, BEFORE_MS + OUTAGE_MS + AFTER_MS);
      await faults;
      const { stopped, back } = events as Required<typeof events>;

      // Never a 500 and never a dropped connection: a refusal is a 503 problem+json with Retry-After.
      expect(answers.filter((a) => a.status === 0 || (a.status >= 500 && a.status !== 503))).toEqual([]);
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.filter((a) => !a.problem || a.retryAfter === undefined)).toEqual([]);
      const lastRefusal = Math.max(stopped, ...refused.map((a) => a.at + a.ms));
      const servedAgain = answers
        .filter((a) => a.kind === 'order' && a.status === 201 && a.at >= lastRefusal)
        .map((a) => a.at + a.ms - back);
      const acknowledged = acknowledgedOrders(answers);
      const during = answers.filter((a) => a.kind === 'order' && a.at > stopped && a.at + a.ms < back);

      await cluster!.waitForNewPrimary(undefined, 60_000);
      const db = new Client({ connectionString: cluster!.primaryUrl('tessera') });
      await db.connect();
      try {
        const lost = await missingOrders(db, acknowledged);
        const open = await eventually(
          () => openOrders(db),
          (n) => n === 0,
          {
            what: 'every order in a final state',
            timeoutMs: 60_000,
            intervalMs: 500,
          },
        ).catch(() => openOrders(db));
        reportGoal(
          `etcd down ${(OUTAGE_MS / 1000).toFixed(0)} s, failsafe_mode ${failsafe}: ` +
            `${during.filter((a) => a.status === 201).length} of ${during.length} orders accepted while it was down ` +
            `(p99 ${percentile(
              during.map((a) => a.ms),
              99,
            )} ms), ${refused.length} answers 503; ` +
            (refused.length > 0
              ? `serving orders again ${servedAgain.length > 0 ? `${Math.min(...servedAgain)} ms` : 'NEVER'} after etcd was back; `
              : '') +
            `${acknowledged.length} orders acknowledged, ${lost.length} missing (goal 0), ${open} left waiting (goal 0)`,
        );
        expect(lost).toEqual([]);
        expect(open).toBe(0);
        if (failsafe) expect(refused.map((a) => `${a.kind} at ${a.at} ms`)).toEqual([]);
        else {
          // Without failsafe mode the primary is demoted: writes wait for etcd and a new election.
          expect(refused.length).toBeGreaterThan(0);
          expect(Math.min(...servedAgain)).toBeLessThan(30_000);
        }
        const { rows } = await db.query<{ confirmed: number }>(
          `SELECT count(*)::int AS confirmed FROM ordering.orders WHERE status = 'confirmed'`,
        );
        const expected = { reserved: 0, onHand: STOCK - rows[0]!.confirmed };
        expect(await shop.settledStock(expected.onHand, 30_000)).toMatchObject(expected);
        const logged = shop.logged();
        expect(logged.unstructured).toEqual([]);
        // Nor did the process answer anyone a 500, the sandbox's webhooks to itself included.
        expect(logged.serverErrors).toEqual([]);
      } finally {
        await db.end();
      }
    }, 240_000);
  },
);
