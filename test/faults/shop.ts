import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { stockedProduct } from '../support/stocked-product';
import { claims, signEdDSA } from '../support/forge-token';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import type { TestDatabase } from '../support/test-database';

/** One answer the load saw: when it was sent (ms since the load began), what came back, how long it took. */
export interface Answer {
  readonly kind: 'order' | 'read';
  readonly at: number;
  readonly ms: number;
  readonly status: number;
  readonly problem: boolean;
  readonly retryAfter: string | undefined;
  readonly body: unknown;
}

/**
 * The real app (every module and role) set up for a fault test: an admin, one active product
 * with plenty of stock that ordering and inventory both know, and customers with tokens signed
 * by the deployment's key.
 */
export class Shop {
  app!: AppProcess;
  productId!: string;
  sku!: string;
  private customers: string[] = [];
  private admin!: string;
  private readonly signingKeyPem = generateKeyPairSync('ed25519')
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();

  async start(env: NodeJS.ProcessEnv, onHand: number, readyTimeoutMs?: number): Promise<void> {
    this.app = await startApp({
      entry: 'main',
      // Start-up runs every module's migrations: on a loaded machine that outlasts the default wait.
      readyTimeoutMs: readyTimeoutMs ?? 90_000,
      env: {
        ADMIN_EMAILS: ADMIN_EMAIL,
        AUTH_PRIVATE_KEY: this.signingKeyPem,
        RELAY_POLL_MS: '200',
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    this.admin = `Bearer ${(await adminSession(this.app.url)).accessToken}`;
    ({ productId: this.productId, sku: this.sku } = await stockedProduct(this.app.url, this.admin, {
      label: 'Faults',
      amount: 1200,
      onHand,
    }));
    const kid = ((await request(this.app.url).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] })
      .keys[0]!.kid;
    this.customers = Array.from(
      { length: 20 },
      () =>
        `Bearer ${signEdDSA(this.signingKeyPem, claims({ sub: randomUUID(), exp: Math.floor(Date.now() / 1000) + 3600 }), { kid })}`,
    );
    // Ordering knows the product once an order for it is accepted.
    await eventually(
      () => this.placeOrder(0),
      (res) => res.status === 201,
      { what: `ordering's copy of ${this.sku}` },
    );
  }

  placeOrder(customer: number, key: string = randomUUID()): Promise<request.Response> {
    return request(this.app.url)
      .post('/v1/orders')
      .set('Authorization', this.customers[customer % this.customers.length]!)
      .set('Idempotency-Key', key)
      .send({ lines: [{ productId: this.productId, quantity: 1 }], paymentMethod: 'pm_card_ok' });
  }

  /**
   * Waits up to `openTimeoutMs` for every order to be confirmed or cancelled, then up to a minute
   * for the stock to match the confirmed ones (its last releases and commits follow the orders'
   * final events); returns what it found either way, for the test to assert and report.
   */
  async settle(db: TestDatabase, onHand: number, openTimeoutMs = 150_000): Promise<Settled> {
    const open = await eventually(
      async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ordering.orders WHERE status NOT IN ('confirmed', 'cancelled')`,
          )
        )[0]!.n,
      (n) => n === 0,
      { what: 'every order in a final state', timeoutMs: openTimeoutMs, intervalMs: 1000 },
    );
    const [{ confirmed }] = (await db.query<{ confirmed: number }>(
      `SELECT count(*)::int AS confirmed FROM ordering.orders WHERE status = 'confirmed'`,
    )) as [{ confirmed: number }];
    return { open, confirmed, stock: await this.settledStock(onHand - confirmed) };
  }

  /**
   * The stock once nothing is reserved and `onHand` is as expected, or as it is after `timeoutMs`.
   * Its last commits and releases follow the orders' final events, so it settles after them.
   */
  async settledStock(onHand: number, timeoutMs = 60_000): Promise<{ onHand: number; reserved: number }> {
    const current = async () => (await this.stock()).body as { onHand: number; reserved: number };
    return eventually(current, (s) => s.reserved === 0 && s.onHand === onHand, {
      what: 'the stock settled',
      timeoutMs,
      intervalMs: 500,
    }).catch(current);
  }

  /**
   * What the process has logged: the lines that are not JSON (written past the logger), how many
   * warnings and errors, and the messages of the 500s it answered (its own requests included,
   * such as the sandbox's webhooks). However long an outage, it should read as a few lines.
   */
  logged(): { unstructured: string[]; warnings: number; serverErrors: string[] } {
    const unstructured: string[] = [];
    const serverErrors: string[] = [];
    let warnings = 0;
    for (const line of this.app.output().split('\n')) {
      if (line.trim() === '') continue;
      try {
        const { level, msg } = JSON.parse(line) as { level?: unknown; msg?: unknown };
        if (level === 'warn' || level === 'error' || level === 'fatal') warnings++;
        if (typeof msg === 'string' && / -> 500 /.test(msg)) serverErrors.push(msg);
      } catch {
        unstructured.push(line);
      }
    }
    return { unstructured, warnings, serverErrors };
  }

  stock(): Promise<request.Response> {
    return request(this.app.url).get(`/v1/inventory/${this.sku}`).set('Authorization', this.admin);
  }

  /**
   * `clients` loops of order, read, order, read… until `durationMs` has passed, each pausing
   * `pauseMs` between requests (a bounded rate: the saga must keep up); every answer (or a
   * failure to get one, as status 0) is recorded. `done` ends it sooner.
   */
  async load(clients: number, durationMs: number, pauseMs = 0, done: () => boolean = () => false): Promise<Answer[]> {
    const answers: Answer[] = [];
    const began = Date.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let i = 0; Date.now() - began < durationMs && !done(); i++) {
          const kind = i % 2 === 0 ? 'order' : 'read';
          const sent = Date.now();
          const res = await (
            kind === 'order' ? this.placeOrder(client) : request(this.app.url).get(`/v1/products/${this.productId}`)
          ).catch(() => undefined);
          answers.push({
            kind,
            at: sent - began,
            ms: Date.now() - sent,
            status: res?.status ?? 0,
            problem: res?.headers['content-type']?.startsWith('application/problem+json') ?? false,
            retryAfter: res?.headers['retry-after'] as string | undefined,
            body: res?.body,
          });
          // A refusal comes back at once: do not spin on it.
          const pause = !res || res.status >= 500 ? Math.max(20, pauseMs) : pauseMs;
          if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
        }
      }),
    );
    return answers;
  }
}

/** What the fault left behind once the saga had time to finish (see `Shop.settle`). */
export interface Settled {
  /** Orders neither confirmed nor cancelled when the wait ended (the goal is 0). */
  readonly open: number;
  readonly confirmed: number;
  readonly stock: { onHand: number; reserved: number };
}

/** The p-th percentile of `values` (0 when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Prints a goal line of the fault suite: what was measured against what the goal asks. */
export function reportGoal(line: string): void {
  process.stdout.write(`[faults] ${line}\n`);
}

/** The ids of the orders the load saw accepted with 201. */
export function acknowledgedOrders(answers: readonly Answer[]): string[] {
  return answers.filter((a) => a.kind === 'order' && a.status === 201).map((a) => (a.body as { id: string }).id);
}

/** Of the orders `ids`, those the database does not have: acknowledged, then lost. */
export async function missingOrders(db: Client, ids: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id::text FROM ordering.orders WHERE id = ANY($1::uuid[])', [
    ids,
  ]);
  const present = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !present.has(id));
}

/** How many orders are neither confirmed nor cancelled. */
export async function openOrders(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ordering.orders WHERE status NOT IN ('confirmed', 'cancelled')`,
  );
  return rows[0]!.n;
}

/** The sum of a counter's samples on the app's /metrics. */
export async function counted(url: string, metric: string): Promise<number> {
  const text = (await request(url).get('/metrics')).text;
  return [...text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\d+(?:\\.\\d+)?)`, 'gm'))].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}
