import { Client } from 'pg';
import { eventually } from '../support/eventually';
import { PatroniCluster } from '../support/patroni-cluster';
import { PgBouncer } from '../support/pgbouncer';
import { queueBackends } from '../support/queue-backends';
import { acknowledgedOrders, type Answer, missingOrders, openOrders, reportGoal, Shop } from './shop';

const STOCK = 100_000;
/** Orders before each fault, so that some are in every stage of the saga when it strikes. */
const PHASE_MS = 5000;
/** Orders after the new primary takes writes: the app must be serving by then, without a restart. */
const AFTER_PROMOTION_MS = 8000;

/** How Tessera's pooled connections reach the primary: HAProxy's port, or PgBouncer in front of it. */
const ROUTES = [
  { name: 'HAProxy', pgbouncer: false },
  { name: 'PgBouncer in front of HAProxy', pgbouncer: true },
];

/**
 * PostgreSQL under Patroni (etcd, two members in synchronous mode, HAProxy on `/primary` and
 * `/replica`) under order load: a planned switchover demotes the primary, then the new primary
 * is killed. Tessera answers 503 problem+json with Retry-After meanwhile (never a 500), serves
 * again on each new primary without a restart, no order it acknowledged is missing, and every
 * order ends confirmed or cancelled. Behind PgBouncer (transaction mode, its `[databases]` entry
 * on HAProxy's primary port) the same holds: PgBouncer's server connections are the ones HAProxy
 * cuts, and the app's connections to PgBouncer live on.
 */
describe.each(ROUTES)('fault: the Patroni primary killed under order load (through $name)', (route) => {
  const backend = queueBackends().find((b) => b.name === 'redis')!;
  let cluster: PatroniCluster | undefined;
  let bouncer: PgBouncer | undefined;
  const shop = new Shop();

  beforeAll(async () => {
    cluster = await PatroniCluster.start({ synchronous: true });
    const admin = new Client({ connectionString: cluster.primaryUrl() });
    await admin.connect();
    await admin.query('CREATE DATABASE tessera');
    await admin.end();
    if (route.pgbouncer)
      bouncer = await PgBouncer.start({
        databaseUrl: cluster.primaryUrl('tessera'),
        // As docs/operations.md says: with PgBouncer's defaults (15 s, 120 s) requests hang through a
        // failover instead of being refused, and PgBouncer waits 15 s after a failed login.
        settings: { server_login_retry: 1, query_wait_timeout: 5 },
      });
    const pooled = bouncer
      ? {
          DATABASE_URL: bouncer.url,
          // LISTEN and the migrations' advisory lock need a session: straight to HAProxy.
          DATABASE_DIRECT_URL: cluster.primaryUrl('tessera'),
          DATABASE_PREPARED_STATEMENTS: 'false',
        }
      : { DATABASE_URL: cluster.primaryUrl('tessera') };
    await shop.start(
      {
        ...pooled,
        DATABASE_REPLICA_URLS: cluster.replicaUrl('tessera'),
        ...backend.env(),
        DATABASE_CONNECT_RETRY_MS: '100',
      },
      STOCK,
      // Start-up migrates every module through HAProxy: slow on a loaded machine.
      90_000,
    );
  }, 180_000);
  afterAll(async () => {
    await shop.app?.stop();
    await backend.cleanup();
    await bouncer?.stop();
    await cluster?.stop();
  });

  it('refuses with 503 while there is no primary, serves again on the new one, and loses no acknowledged order', async () => {
    const pid = shop.app.child.pid;
    const began = Date.now();
    const at = () => Date.now() - began;
    const events: { switchover?: [number, number]; killing?: number; killed?: number; promoted?: number } = {};
    const faults = (async () => {
      // A planned switchover first: the primary is demoted to a standby while the load runs.
      await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
      const asked = at();
      await cluster!.switchover('sync_standby', 60_000);
      events.switchover = [asked, at()];
      // Then the new primary dies; the demoted one, its synchronous standby now, takes over.
      await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
      events.killing = at();
      const killedName = await cluster!.killLeader();
      events.killed = at();
      await cluster!.waitForNewPrimary(killedName, 60_000);
      events.promoted = at();
    })();
    // Ends AFTER_PROMOTION_MS after the promotion, or at once when a fault failed (bounded either way).
    let faultsSettled = false;
    void faults.finally(() => (faultsSettled = true)).catch(() => undefined);
    const answers: Answer[] = await shop.load(8, 150_000, 0, () =>
      faultsSettled ? events.promoted === undefined || at() > events.promoted + AFTER_PROMOTION_MS : false,
    );
    await faults;
    const { switchover, killing, killed, promoted } = events as Required<typeof events>;

    // Never a 500: a refusal is a 503 problem+json with Retry-After, which the client may retry.
    const serverErrors = answers.filter((a) => a.status >= 500 && a.status !== 503);
    expect(serverErrors.map((a) => `${a.kind} ${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    const refusals = answers.filter((a) => a.status === 503 || a.status === 0);
    expect(refusals.filter((a) => a.status === 0)).toEqual([]);
    expect(refusals.filter((a) => !a.problem || a.retryAfter === undefined)).toEqual([]);
    // Refused, not kept waiting: DATABASE_POOL_TIMEOUT_MS (or PgBouncer's query_wait_timeout) is 5 s.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(15_000);
    /**
     * For a fault from `from` to `to`: how long orders were refused (the refusals answered in
     * that span, from the first one sent, or the fault if later, to the last one answered), and
     * when the app served again: the answer to the first order accepted among those sent after
     * the last refusal, counted from the fault.
     */
    const phase = (from: number, to: number) => {
      const refused = refusals.filter((a) => a.at + a.ms >= from && a.at + a.ms < to);
      const lastRefusal = Math.max(from, ...refused.map((a) => a.at + a.ms));
      const accepted = answers
        .filter((a) => a.kind === 'order' && a.status === 201 && a.at >= lastRefusal && a.at + a.ms < to)
        .map((a) => a.at + a.ms);
      return {
        refusedMs: refused.length > 0 ? lastRefusal - Math.max(from, Math.min(...refused.map((a) => a.at))) : 0,
        servedAgainMs: accepted.length > 0 ? Math.min(...accepted) - from : Infinity,
      };
    };
    const planned = phase(switchover[0], killing);
    const crash = phase(killing, Infinity);
    const acknowledged = acknowledgedOrders(answers);

    const db = new Client({ connectionString: cluster!.primaryUrl('tessera') });
    await db.connect();
    try {
      const lost = await missingOrders(db, acknowledged);
      // Jobs wait the fault out without spending attempts (docs/decisions/0040-outages-spend-no-attempts.md):
      // the rest finish within seconds, long before any sweeper's deadline (120 s) would take them up.
      const settling = Date.now();
      const stuck = await eventually(
        () => openOrders(db),
        (n) => n === 0,
        {
          what: 'every order in a final state',
          timeoutMs: 60_000,
          intervalMs: 500,
        },
      ).catch(() => openOrders(db));
      const sameProcess = shop.app.child.pid === pid && shop.app.child.exitCode === null;
      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      reportGoal(
        `Patroni switchover (through ${route.name}): 503 problem+json for ${s(planned.refusedMs)}, no other 5xx; ` +
          `serving orders again ${s(planned.servedAgainMs)} after it was asked (the demoted primary streaming again after ${s(switchover[1] - switchover[0])})`,
      );
      reportGoal(
        `Patroni primary killed (synchronous mode, through ${route.name}): standby promoted after ${s(promoted - killed)}; ` +
          `503 problem+json for ${s(crash.refusedMs)}, no other 5xx; serving orders again ${s(crash.servedAgainMs)} after the kill (goal ≤ 15 s)`,
      );
      reportGoal(
        `Patroni faults (through ${route.name}): ${acknowledged.length} orders acknowledged with 201, ${lost.length} missing (goal 0), ` +
          `${stuck} stuck after recovery (goal 0; waited ${s(Date.now() - settling)} for the rest); Tessera ${sameProcess ? 'never restarted' : 'RESTARTED'} (pid ${pid})`,
      );
      expect(lost).toEqual([]);
      expect(stuck).toBe(0);
      expect(sameProcess).toBe(true);
      expect(planned.servedAgainMs).toBeLessThan(killing - switchover[0]);
      // The goal is 15 s; the bound leaves room for a loaded CI machine.
      expect(crash.servedAgainMs).toBeLessThan(30_000);
      expect(crash.refusedMs).toBeGreaterThan(0);

      // The stock matches what was sold: no reservation was lost or applied twice across the faults.
      const { rows } = await db.query<{ confirmed: number }>(
        `SELECT count(*)::int AS confirmed FROM ordering.orders WHERE status = 'confirmed'`,
      );
      const expected = { reserved: 0, onHand: STOCK - rows[0]!.confirmed };
      expect(await shop.settledStock(expected.onHand, 30_000)).toMatchObject(expected);
      // Every line the process wrote through the faults is JSON: no client printed its error as it is.
      const logged = shop.logged();
      expect(logged.unstructured).toEqual([]);
      // Nor did the process answer anyone a 500, the sandbox's webhooks to itself included.
      expect(logged.serverErrors).toEqual([]);
    } finally {
      await db.end();
    }
  }, 240_000);
});
