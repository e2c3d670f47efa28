import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { queueBackends, type QueueBackendUnderTest } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession, freshEmail, sessionFor } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

export const PROBLEM = 'application/problem+json; charset=utf-8';
export const JSON_TYPE = 'application/json; charset=utf-8';

export interface Money {
  amount: number;
  currency: string;
}

export interface OrderBody {
  id: string;
  customerId: string;
  status: 'pending' | 'stock_reserved' | 'paid' | 'confirmed' | 'cancelled';
  cancelReason?: string;
  lines: { productId: string; sku: string; name: string; quantity: number; unitPrice: Money }[];
  total: Money;
  paymentMethod: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Line {
  productId: string;
  quantity: number;
}

/**
 * The app as ordering's tests need it: identity, catalog, ordering and the payments test
 * double, on Redis queues with their own prefix. Inventory is left out on purpose: these
 * tests drive the saga's stock steps themselves (or not at all), so a real inventory
 * reacting to `OrderPlaced` cannot race them.
 */
export class OrderingHarness {
  app!: AppProcess;
  db!: TestDatabase;
  readonly backend: QueueBackendUnderTest = queueBackends().find((b) => b.name === 'redis')!;
  admin!: string;
  private categoryId!: string;

  async start(label: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
    this.db = await createTestDatabase(label);
    this.app = await startApp({
      args: ['--modules', 'identity,catalog,ordering,payments'],
      env: {
        DATABASE_URL: this.db.url,
        ...this.backend.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        RELAY_POLL_MS: '200',
        ...env,
      },
    });
    this.admin = `Bearer ${(await adminSession(this.app.url)).accessToken}`;
    this.categoryId = (
      await request(this.app.url)
        .post('/v1/categories')
        .set('Authorization', this.admin)
        .send({ name: 'Ordering', slug: `ordering-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body.id;
  }

  async stop(): Promise<void> {
    await this.app?.stop();
    await this.backend.cleanup();
    await this.db?.drop();
  }

  api(): ReturnType<typeof request> {
    return request(this.app.url);
  }

  /** A registered, logged-in customer's bearer token and id. */
  async customer(label = 'buyer'): Promise<{ bearer: string; id: string }> {
    const session = await sessionFor(this.app.url, freshEmail(label));
    const bearer = `Bearer ${session.accessToken}`;
    const me = await this.api().get('/v1/me').set('Authorization', bearer).expect(200);
    return { bearer, id: me.body.id as string };
  }

  placeOrder(bearer: string, lines: Line[], key: string | null = randomUUID(), paymentMethod = 'pm_card_visa') {
    const call = this.api().post('/v1/orders').set('Authorization', bearer);
    return (key === null ? call : call.set('Idempotency-Key', key)).send({ lines, paymentMethod });
  }

  /** An active product created through the catalog, once ordering's copy of it has it. */
  async product(
    price: Money = { amount: 1500, currency: 'EUR' },
    status: 'active' | 'draft' = 'active',
  ): Promise<{ id: string; sku: string; name: string }> {
    const sku = `ORD-${randomUUID().slice(0, 8)}`;
    const created = await this.api()
      .post('/v1/products')
      .set('Authorization', this.admin)
      .send({ sku, name: `Ordering ${sku}`, description: '', categoryId: this.categoryId, price, status })
      .expect(201);
    await this.projected(created.body.id, (row) => row.version >= 1);
    return { id: created.body.id, sku, name: created.body.name };
  }

  /** Changes a product's price through the catalog and waits until ordering's copy has it. */
  async reprice(productId: string, price: Money): Promise<void> {
    const current = await this.api().get(`/v1/products/${productId}`).expect(200);
    const updated = await this.api()
      .patch(`/v1/products/${productId}`)
      .set('Authorization', this.admin)
      .set('If-Match', current.headers.etag!)
      .send({ price })
      .expect(200);
    await this.projected(productId, (row) => row.version === (updated.body as { version: number }).version);
  }

  /** Waits until ordering's product projection holds a row for the product that `accept`s. */
  async projected(
    productId: string,
    accept: (row: { status: string; version: number; price_amount: string | null }) => boolean,
  ): Promise<void> {
    await eventually(
      () =>
        this.db.query<{ status: string; version: number; price_amount: string | null }>(
          'SELECT status, version, price_amount FROM ordering.products WHERE product_id = $1',
          [productId],
        ),
      (rows) => rows.length === 1 && accept(rows[0]!),
      { what: `ordering's projection of product ${productId}` },
    );
  }

  orderOf(bearer: string, id: string) {
    return this.api().get(`/v1/orders/${id}`).set('Authorization', bearer);
  }

  async settled(bearer: string, id: string, accept: (order: OrderBody) => boolean): Promise<OrderBody> {
    const response = await eventually(
      () => this.orderOf(bearer, id),
      (r) => r.status === 200 && accept(r.body as OrderBody),
      { what: `order ${id}` },
    );
    return response.body as OrderBody;
  }

  /** The events ordering's outbox holds for an order, oldest first. */
  async eventsOf(orderId: string): Promise<{ event_name: string; aggregate_version: string; payload: never }[]> {
    return this.db.query(
      `SELECT event_name, aggregate_version, payload FROM ordering.outbox WHERE aggregate_id = $1 ORDER BY position`,
      [orderId],
    );
  }
}
