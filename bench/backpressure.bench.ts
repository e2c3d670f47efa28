/**
 * Back-pressure under a closed-loop load above the saga's rate (docs/decisions/0038).
 *
 *   node dist-test/bench/backpressure.bench.js [--limit 300 --seconds 30 --connections 40]
 *
 * An API process and a saga process with ORDER_BACKLOG_LIMIT set; clients that place orders
 * back to back (a refused one is retried at once, ignoring Retry-After: the harshest case), the
 * backlog sampled every 250 ms from PostgreSQL. Prints the answers, the largest backlog and the
 * oldest order's age seen, and the reservations that expired.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { benchArgs } from './bench-args';
import { startPrivateRedis } from './lib/private-redis';
import { deploymentFor, migrate, startTessera } from './suite/deployment';
import { forgeCustomerTokens, seedOrderableProducts } from './suite/seed';
import type { AppProcess } from '../test/support/app-process';
import { createTestDatabase } from '../test/support/test-database';

const args = benchArgs();
const LIMIT = Number(args.get('limit') ?? 300);
const SECONDS = Number(args.get('seconds') ?? 30);
const CONNECTIONS = Number(args.get('connections') ?? 40);
const UNSETTLED = `status IN ('pending', 'stock_reserved', 'paid')`;

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const db = await createTestDatabase('backpressure');
  const apps: AppProcess[] = [];
  const sql = new Client({ connectionString: db.url });
  try {
    const deployment = deploymentFor(db.url, { REDIS_URL: redis.url, QUEUE_PREFIX: 'backpressure' });
    migrate(deployment);
    const limit = { ORDER_BACKLOG_LIMIT: String(LIMIT) };
    const api = await startTessera(deployment, { env: { ...limit, APP_ROLES: 'api' } });
    apps.push(api);
    apps.push(
      await startTessera(deployment, {
        env: {
          ...limit,
          APP_ROLES: 'worker,relay',
          PAYMENT_SANDBOX_WEBHOOK_URL: `${api.url}/v1/payments/webhooks/sandbox`,
        },
      }),
    );
    await sql.connect();
    const products = await seedOrderableProducts(api.url, db.url, 5);
    const customers = await forgeCustomerTokens(api.url, deployment.signingKeyPem, 100);
    const answers = new Map<number, number>();
    const retryAfter = new Set<string | null>();
    let maxBacklog = 0;
    let maxOldestAgeSeconds = 0;
    const sampler = setInterval(() => {
      void sql
        .query<{ n: number; age: number }>(
          `SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS age
             FROM ordering.orders WHERE ${UNSETTLED}`,
        )
        .then(({ rows }) => {
          maxBacklog = Math.max(maxBacklog, rows[0]!.n);
          maxOldestAgeSeconds = Math.max(maxOldestAgeSeconds, rows[0]!.age);
        });
    }, 250);
    const end = Date.now() + SECONDS * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (Date.now() < end) {
          const i = next++;
          const response = await fetch(`${api.url}/v1/orders`, {
            method: 'POST',
            headers: {
              authorization: customers[i % customers.length]!,
              'content-type': 'application/json',
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({
              lines: [{ productId: products[i % products.length], quantity: 1 }],
              paymentMethod: 'pm_card_ok',
            }),
          });
          await response.arrayBuffer();
          answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
          if (response.status === 503) retryAfter.add(response.headers.get('retry-after'));
        }
      }),
    );
    clearInterval(sampler);
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ordering.orders WHERE cancel_reason = 'reservation_expired'`,
    );
    console.log(
      JSON.stringify({
        limit: LIMIT,
        seconds: SECONDS,
        connections: CONNECTIONS,
        answers: Object.fromEntries(answers),
        acceptedPerSecond: Math.round((answers.get(201) ?? 0) / SECONDS),
        maxBacklog,
        maxOldestAgeSeconds: Math.round(maxOldestAgeSeconds * 10) / 10,
        retryAfter: [...retryAfter],
        reservationsExpired: rows[0]!.n,
      }),
    );
  } finally {
    for (const app of apps.reverse()) await app.stop('SIGTERM', 30_000).catch(() => undefined);
    await sql.end().catch(() => undefined);
    await db.drop();
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
