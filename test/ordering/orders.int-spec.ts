import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Response } from 'supertest';
import { eventually } from '../support/eventually';
import { startApp } from '../support/app-process';
import { inboxQueue } from '../support/inbox-queue';
import { JSON_TYPE, OrderingHarness, PROBLEM, type OrderBody } from './ordering-harness';
import { eventEnvelope } from '../support/event-envelope';

describe('ordering: placing, reading and cancelling orders', () => {
  const h = new OrderingHarness();
  let alice: { bearer: string; id: string };
  let bob: { bearer: string; id: string };
  let lamp: { id: string; sku: string; name: string };
  let desk: { id: string; sku: string; name: string };

  beforeAll(async () => {
    await h.start('ordering');
    [alice, bob] = await Promise.all([h.customer('alice'), h.customer('bob')]);
    [lamp, desk] = await Promise.all([
      h.product({ amount: 1999, currency: 'EUR' }),
      h.product({ amount: 25_000, currency: 'EUR' }),
    ]);
  });
  afterAll(() => h.stop());

  const expectProblem = (response: Response, status: number, type: string) => {
    expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({
      status,
      contentType: PROBLEM,
    });
    expect(response.body.type).toBe(`https://tessera.dev/problems/${type}`);
  };

  describe('placing', () => {
    it('answers 201 with the order, priced from the catalog, and keeps it for its owner', async () => {
      const placed = await h
        .placeOrder(alice.bearer, [
          { productId: lamp.id, quantity: 2 },
          { productId: desk.id, quantity: 1 },
        ])
        .expect(201);
      expect(placed.headers['content-type']).toBe(JSON_TYPE);
      expect(placed.headers['consistency-token']).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const order = placed.body as OrderBody;
      expect(order).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        customerId: alice.id,
        status: 'pending',
        lines: [
          {
            productId: lamp.id,
            sku: lamp.sku,
            name: lamp.name,
            quantity: 2,
            unitPrice: { amount: 1999, currency: 'EUR' },
          },
          {
            productId: desk.id,
            sku: desk.sku,
            name: desk.name,
            quantity: 1,
            unitPrice: { amount: 25_000, currency: 'EUR' },
          },
        ],
        total: { amount: 2 * 1999 + 25_000, currency: 'EUR' },
        paymentMethod: 'pm_card_visa',
        version: 1,
        createdAt: expect.any(String),
        updatedAt: order.createdAt,
      });
      const read = await h
        .orderOf(alice.bearer, order.id)
        .set('Consistency-Token', placed.headers['consistency-token']!)
        .expect(200);
      expect(read.body).toEqual(order);

      // OrderPlaced, for inventory and payments, in the same transaction as the order.
      const [placedEvent, ...others] = await h.eventsOf(order.id);
      expect(others).toEqual([]);
      expect(placedEvent).toMatchObject({
        event_name: 'ordering.order-placed',
        aggregate_version: '1',
        payload: {
          orderId: order.id,
          customerId: alice.id,
          lines: [
            { productId: lamp.id, sku: lamp.sku, quantity: 2, unitPrice: { amount: 1999, currency: 'EUR' } },
            { productId: desk.id, sku: desk.sku, quantity: 1, unitPrice: { amount: 25_000, currency: 'EUR' } },
          ],
          total: { amount: 28_998, currency: 'EUR' },
          paymentMethod: 'pm_card_visa',
        },
      });
    });

    it('commits orders placed at the same time together, each with its own key, response and event', async () => {
      const buyers = await Promise.all([h.customer('group-a'), h.customer('group-b'), h.customer('group-c')]);
      const requests = Array.from({ length: 30 }, (_, i) => ({
        buyer: buyers[i % 3]!,
        key: randomUUID(),
        quantity: i + 1,
      }));
      const responses = await Promise.all(
        requests.map((r) => h.placeOrder(r.buyer.bearer, [{ productId: lamp.id, quantity: r.quantity }], r.key)),
      );
      expect(responses.map((r) => r.status)).toEqual(requests.map(() => 201));
      const orders = responses.map((r) => r.body as OrderBody);
      expect(orders.map((o) => [o.customerId, o.lines[0]!.quantity])).toEqual(
        requests.map((r) => [r.buyer.id, r.quantity]),
      );

      // Each order was written by the transaction that recorded its key's response, with its one
      // event, and orders that arrived together shared a transaction.
      const rows = await h.db.query<{
        id: string;
        order_tx: string;
        key_tx: string;
        event_tx: string;
        recorded: string;
      }>(
        `SELECT o.id, o.xmin::text AS order_tx, k.xmin::text AS key_tx,
                k.response_body->>'id' AS recorded
           FROM ordering.orders o
           JOIN ordering.idempotency_keys k ON k.key = ANY($2::text[]) AND k.response_body->>'id' = o.id::text
           JOIN ordering.outbox e ON e.aggregate_id = o.id::text AND e.event_name = 'ordering.order-placed'
          WHERE o.id = ANY($1::uuid[])`,
        [orders.map((o) => o.id), requests.map((r) => r.key)],
      );
      expect(rows).toHaveLength(30);
      expect(new Set(rows.map((row) => row.id)).size).toBe(30);
      // (The relay has since marked the events sent, so their rows carry the relay's transaction.)
      for (const row of rows) expect([row.key_tx, row.recorded]).toEqual([row.order_tx, row.id]);
      expect(new Set(rows.map((row) => row.order_tx)).size).toBeLessThan(30);

      // A replay still answers each key with its own order.
      const again = await h.placeOrder(
        requests[7]!.buyer.bearer,
        [{ productId: lamp.id, quantity: 8 }],
        requests[7]!.key,
      );
      expect(again.status).toBe(201);
      expect(again.text).toBe(responses[7]!.text);
    });

    it('prices later orders at a changed price and never reprices a placed one', async () => {
      const product = await h.product({ amount: 1000, currency: 'EUR' });
      const before = (await h.placeOrder(alice.bearer, [{ productId: product.id, quantity: 1 }]).expect(201))
        .body as OrderBody;
      await h.reprice(product.id, { amount: 1250, currency: 'EUR' });
      const after = (await h.placeOrder(alice.bearer, [{ productId: product.id, quantity: 2 }]).expect(201))
        .body as OrderBody;
      expect(after.total).toEqual({ amount: 2500, currency: 'EUR' });
      expect((await h.orderOf(alice.bearer, before.id).expect(200)).body.total).toEqual({
        amount: 1000,
        currency: 'EUR',
      });
    });

    it('prices from the product copies it kept; the order statement checks them, and a changed one is read again', async () => {
      const pen = await h.product({ amount: 300, currency: 'EUR' });
      const ink = await h.product({ amount: 50, currency: 'EUR' });
      const lines = [
        { productId: pen.id, quantity: 1 },
        { productId: ink.id, quantity: 2 },
      ];
      const pricings = async () => {
        const text = (await h.api().get('/metrics').expect(200)).text;
        const count = (outcome: string) =>
          Number(
            new RegExp(`^ordering_product_copy_pricings_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ??
              0,
          );
        return { read: count('read'), cached: count('cached'), moved: count('moved') };
      };
      const before = await pricings();

      expect((await h.placeOrder(alice.bearer, lines).expect(201)).body.total).toEqual({
        amount: 400,
        currency: 'EUR',
      });
      expect((await h.placeOrder(alice.bearer, lines).expect(201)).body.total).toEqual({
        amount: 400,
        currency: 'EUR',
      });
      await h.reprice(ink.id, { amount: 75, currency: 'EUR' });
      const key = randomUUID();
      const repriced = await h.placeOrder(alice.bearer, lines, key).expect(201);
      expect(repriced.body.total).toEqual({ amount: 450, currency: 'EUR' });
      expect((await h.placeOrder(alice.bearer, lines).expect(201)).body.total).toEqual({
        amount: 450,
        currency: 'EUR',
      });

      // The first read, then a kept copy; the changed one wrote nothing (no key, no order) before it was read again.
      const after = await pricings();
      expect({
        read: after.read - before.read,
        cached: after.cached - before.cached,
        moved: after.moved - before.moved,
      }).toEqual({ read: 1, cached: 2, moved: 1 });
      const replay = await h.placeOrder(alice.bearer, lines, key).expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.text).toBe(repriced.text);
      expect(
        await h.db.query(`SELECT count(*)::int AS n FROM ordering.orders WHERE lines @> $1::jsonb`, [
          JSON.stringify([{ productId: ink.id }]),
        ]),
      ).toEqual([{ n: 4 }]);
    });

    it('refuses malformed orders with 400 problem+json and creates nothing', async () => {
      const carol = await h.customer('carol');
      const line = (quantity: unknown, productId: string = lamp.id) => ({ productId, quantity });
      const one = { productId: lamp.id, quantity: 1 };
      const refuse = async (body: unknown, field: string) => {
        const response = await h
          .api()
          .post('/v1/orders')
          .set('Authorization', carol.bearer)
          .set('Idempotency-Key', randomUUID())
          .send(body as object);
        expectProblem(response, 400, 'validation-error');
        expect((response.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
      };
      await refuse({ lines: [line(0)], paymentMethod: 'pm' }, 'lines.0.quantity');
      await refuse({ lines: [line(-1)], paymentMethod: 'pm' }, 'lines.0.quantity');
      await refuse({ lines: [line(1.5)], paymentMethod: 'pm' }, 'lines.0.quantity');
      await refuse({ lines: [line('1')], paymentMethod: 'pm' }, 'lines.0.quantity');
      await refuse({ lines: [line(1001)], paymentMethod: 'pm' }, 'lines.0.quantity');
      await refuse({ lines: [line(1), line(2)], paymentMethod: 'pm' }, 'lines');
      await refuse({ lines: [line(1), line(2, lamp.id.toUpperCase())], paymentMethod: 'pm' }, 'lines');
      await refuse({ lines: [], paymentMethod: 'pm' }, 'lines');
      const thousand = Array.from({ length: 1000 }, () => line(1, randomUUID()));
      await refuse({ lines: thousand, paymentMethod: 'pm' }, 'lines');
      await refuse({ lines: thousand.slice(0, 101), paymentMethod: 'pm' }, 'lines');
      await refuse({ lines: [line(1, 'not-a-uuid')], paymentMethod: 'pm' }, 'lines.0.productId');
      await refuse({ lines: [line(1)], paymentMethod: '' }, 'paymentMethod');
      await refuse({ lines: [line(1)], paymentMethod: 'x'.repeat(101) }, 'paymentMethod');
      await refuse({ lines: [line(1)], paymentMethod: 'pm\u0000' }, 'paymentMethod');
      await refuse({ lines: [line(1)] }, 'paymentMethod');
      await refuse({ lines: [line(1)], paymentMethod: 'pm', coupon: 'FREE' }, 'coupon');

      expectProblem(await h.placeOrder(carol.bearer, [one], null), 400, 'validation-error');
      expectProblem(await h.placeOrder(carol.bearer, [one], 'k'.repeat(256)), 400, 'validation-error');
      expectProblem(await h.placeOrder(carol.bearer, [one], 'clé'), 400, 'validation-error');
      await h.placeOrder(carol.bearer, [one], 'k'.repeat(255)).expect(201);

      const mine = await h.api().get('/v1/orders').set('Authorization', carol.bearer).expect(200);
      expect(mine.body.items).toHaveLength(1);
    });

    it('refuses unknown, draft and archived products with 422 naming them, and mixed currencies', async () => {
      const unknown = randomUUID();
      const draft = await h.product({ amount: 100, currency: 'EUR' }, 'draft');
      const archived = await h.product({ amount: 100, currency: 'EUR' });
      await h.api().delete(`/v1/products/${archived.id}`).set('Authorization', h.admin).expect(204);
      await h.projected(archived.id, (row) => row.status === 'archived');

      const refused = await h.placeOrder(alice.bearer, [
        { productId: lamp.id, quantity: 1 },
        { productId: unknown, quantity: 1 },
        { productId: draft.id, quantity: 1 },
        { productId: archived.id, quantity: 1 },
      ]);
      expectProblem(refused, 422, 'products-unavailable');
      expect(refused.body.products).toEqual([
        { productId: unknown, reason: 'unknown' },
        { productId: draft.id, reason: 'draft' },
        { productId: archived.id, reason: 'archived' },
      ]);
      for (const id of [unknown, draft.id, archived.id]) expect(refused.body.detail).toContain(id);
      expect(refused.body.detail).not.toContain(lamp.id);

      // A product this process has just priced an order from, archived since: refused too.
      const sold = await h.product({ amount: 100, currency: 'EUR' });
      await h.placeOrder(alice.bearer, [{ productId: sold.id, quantity: 1 }]).expect(201);
      await h.api().delete(`/v1/products/${sold.id}`).set('Authorization', h.admin).expect(204);
      await h.projected(sold.id, (row) => row.status === 'archived');
      const late = await h.placeOrder(alice.bearer, [{ productId: sold.id, quantity: 1 }]);
      expectProblem(late, 422, 'products-unavailable');
      expect(late.body.products).toEqual([{ productId: sold.id, reason: 'archived' }]);
      expect(
        await h.db.query(`SELECT count(*)::int AS n FROM ordering.orders WHERE lines @> $1::jsonb`, [
          JSON.stringify([{ productId: sold.id }]),
        ]),
      ).toEqual([{ n: 1 }]);

      const dollars = await h.product({ amount: 500, currency: 'USD' });
      const mixed = await h.placeOrder(alice.bearer, [
        { productId: lamp.id, quantity: 1 },
        { productId: dollars.id, quantity: 1 },
      ]);
      expectProblem(mixed, 422, 'mixed-currencies');
      const alone = await h.placeOrder(alice.bearer, [{ productId: dollars.id, quantity: 3 }]).expect(201);
      expect(alone.body.total).toEqual({ amount: 1500, currency: 'USD' });
    });
  });

  describe('idempotency keys', () => {
    it('replays the first response byte for byte, and refuses the key for another request', async () => {
      const buyer = await h.customer('replay');
      const key = randomUUID();
      const first = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key).expect(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const again = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key).expect(201);
      expect(again.text).toBe(first.text);
      expect(again.headers['content-type']).toBe(JSON_TYPE);
      expect(again.headers['idempotent-replayed']).toBe('true');
      // The same request written differently (key order) is the same request.
      const reordered = await h
        .api()
        .post('/v1/orders')
        .set('Authorization', buyer.bearer)
        .set('Idempotency-Key', key)
        .set('Content-Type', 'application/json')
        .send(`{ "paymentMethod": "pm_card_visa", "lines": [ { "quantity": 1, "productId": "${lamp.id}" } ] }`)
        .expect(201);
      expect(reordered.text).toBe(first.text);

      const other = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 2 }], key);
      expectProblem(other, 422, 'idempotency-key-reused');
      const otherMethod = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key, 'pm_other');
      expectProblem(otherMethod, 422, 'idempotency-key-reused');

      const mine = await h.api().get('/v1/orders').set('Authorization', buyer.bearer).expect(200);
      expect((mine.body.items as OrderBody[]).map((o) => o.id)).toEqual([first.body.id]);

      // Keys belong to their caller: another customer's identical key is a new order.
      const stranger = await h.customer('stranger');
      const theirs = await h.placeOrder(stranger.bearer, [{ productId: lamp.id, quantity: 1 }], key).expect(201);
      expect(theirs.body.id).not.toBe(first.body.id);
      expect(theirs.body.customerId).toBe(stranger.id);
    });

    it('20 concurrent requests with one key make one order; the others get 409 or the same response', async () => {
      const buyer = await h.customer('burst');
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => h.placeOrder(buyer.bearer, [{ productId: desk.id, quantity: 2 }], key)),
      );
      const created = responses.filter((r) => r.status === 201);
      const busy = responses.filter((r) => r.status === 409);
      expect(created.length + busy.length).toBe(20);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.text)).size).toBe(1);
      for (const response of busy) {
        expectProblem(response, 409, 'idempotency-key-in-use');
        expect(response.headers['retry-after']).toBe('1');
      }
      const replay = await h.placeOrder(buyer.bearer, [{ productId: desk.id, quantity: 2 }], key).expect(201);
      expect(replay.text).toBe(created[0]!.text);
      const mine = await h.api().get('/v1/orders').set('Authorization', buyer.bearer).expect(200);
      expect((mine.body.items as OrderBody[]).map((o) => o.id)).toEqual([created[0]!.body.id]);
      const rows = await h.db.query('SELECT id FROM ordering.orders WHERE customer_id = $1', [buyer.id]);
      expect(rows).toHaveLength(1);
    });

    it('answers 409 while another request is writing the same key, and writes nothing for it', async () => {
      const buyer = await h.customer('in-flight');
      const key = randomUUID();
      // The lock the claiming statement takes for the key, held here as a request in the
      // middle of its write would hold it.
      const lock = `hashtextextended('ordering' || ' ' || $1 || ' ' || $2, 0)`;
      const holder = new Client({ connectionString: h.db.url });
      await holder.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock(${lock})`, [buyer.id, key]);
        const busy = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key);
        expectProblem(busy, 409, 'idempotency-key-in-use');
        expect(busy.headers['retry-after']).toBe('1');
      } finally {
        await holder.end(); // ends its session, and so its lock
      }
      expect(await h.db.query('SELECT 1 FROM ordering.orders WHERE customer_id = $1', [buyer.id])).toHaveLength(0);
      expect(
        await h.db.query('SELECT 1 FROM ordering.idempotency_keys WHERE scope = $1 AND key = $2', [buyer.id, key]),
      ).toHaveLength(0);
      const placed = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key).expect(201);
      expect(await h.eventsOf(placed.body.id)).toHaveLength(1);
    });

    it('records a refusal: the same key replays the 422 even once the product is for sale', async () => {
      const buyer = await h.customer('refusal');
      const product = await h.product({ amount: 700, currency: 'EUR' }, 'draft');
      const key = randomUUID();
      const refused = await h.placeOrder(buyer.bearer, [{ productId: product.id, quantity: 1 }], key);
      expectProblem(refused, 422, 'products-unavailable');

      // Drafts are not readable publicly; a new product is at version 1.
      await h
        .api()
        .patch(`/v1/products/${product.id}`)
        .set('Authorization', h.admin)
        .set('If-Match', `"${product.id}.1"`)
        .send({ status: 'active' })
        .expect(200);
      await h.projected(product.id, (row) => row.status === 'active');

      const replayed = await h.placeOrder(buyer.bearer, [{ productId: product.id, quantity: 1 }], key);
      expect(replayed.status).toBe(422);
      expect(replayed.headers['content-type']).toBe(PROBLEM);
      expect(replayed.text).toBe(refused.text);
      await h.placeOrder(buyer.bearer, [{ productId: product.id, quantity: 1 }]).expect(201);
    });

    it('releases the key after an unexpected failure, so a retry runs again', async () => {
      const buyer = await h.customer('failure');
      const key = randomUUID();
      await h.db.query(
        `ALTER TABLE ordering.orders ADD CONSTRAINT test_refuses_pm_explode CHECK (payment_method <> 'pm_explode')`,
      );
      try {
        const failed = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key, 'pm_explode');
        expectProblem(failed, 500, 'internal-error');
        const retried = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key, 'pm_explode');
        expectProblem(retried, 500, 'internal-error');
      } finally {
        await h.db.query(`ALTER TABLE ordering.orders DROP CONSTRAINT test_refuses_pm_explode`);
      }
      const recovered = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key, 'pm_explode');
      expect(recovered.status).toBe(201);
      expect(recovered.body.paymentMethod).toBe('pm_explode');
      expect(await h.eventsOf(recovered.body.id)).toHaveLength(1);
    });

    it('treats a key past its lifetime as new', async () => {
      const buyer = await h.customer('expiry');
      const key = randomUUID();
      const first = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key).expect(201);
      await h.db.query(
        `UPDATE ordering.idempotency_keys SET expires_at = now() - interval '1 second' WHERE scope = $1 AND key = $2`,
        [buyer.id, key],
      );
      // A new request with the old key runs, even with a different body.
      const second = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 5 }], key).expect(201);
      expect(second.body.id).not.toBe(first.body.id);
      const replay = await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 5 }], key).expect(201);
      expect(replay.text).toBe(second.text);
    });
    it('drops the day of keys past their lifetime in a worker process, keeping the live ones', async () => {
      const buyer = await h.customer('pruning');
      const [kept, expired] = [randomUUID(), randomUUID()];
      for (const key of [kept, expired]) {
        await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: 1 }], key).expect(201);
      }
      // The expired key as if first used three days ago: it moves into that day's partition.
      const day = new Date(Math.floor(Date.now() / 86_400_000 - 3) * 86_400_000);
      const partition = `idempotency_keys_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
      await h.db.query(
        `CREATE TABLE ordering.${partition} PARTITION OF ordering.idempotency_keys
           FOR VALUES FROM ('${day.toISOString()}') TO ('${new Date(day.getTime() + 86_400_000).toISOString()}')`,
      );
      await h.db.query(
        `UPDATE ordering.idempotency_keys SET created_at = $3, expires_at = $3::timestamptz + interval '24 hours'
          WHERE scope = $1 AND key = $2`,
        [buyer.id, expired, day.toISOString()],
      );
      // A worker keeps the partitions once it has started, then hourly.
      const worker = await startApp({
        args: ['--modules', 'ordering', '--roles', 'worker'],
        env: { DATABASE_URL: h.db.url, ...h.backend.env() },
      });
      try {
        const left = await eventually(
          () => h.db.query<{ key: string }>('SELECT key FROM ordering.idempotency_keys WHERE scope = $1', [buyer.id]),
          (rows) => rows.length < 2,
          { what: 'the expired key to be dropped' },
        );
        expect(left.map((row) => row.key)).toEqual([kept]);
        expect(await h.db.query(`SELECT to_regclass($1) AS gone`, [`ordering.${partition}`])).toEqual([{ gone: null }]);
      } finally {
        await worker.stop();
      }
    });
  });

  describe('reading', () => {
    it("lists the caller's own orders newest first, in cursor pages", async () => {
      const buyer = await h.customer('pages');
      const placed: string[] = [];
      for (let i = 1; i <= 5; i++) {
        placed.push((await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity: i }]).expect(201)).body.id);
      }
      const seen: OrderBody[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await h
          .api()
          .get('/v1/orders')
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set('Authorization', buyer.bearer)
          .expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...(page.body.items as OrderBody[]));
        cursor = page.body.next as string | null;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.map((o) => o.id)).toEqual([...placed].reverse());
      expect(seen.map((o) => o.lines[0]!.quantity)).toEqual([5, 4, 3, 2, 1]);

      const stranger = await h.customer('nobody');
      const theirs = await h.api().get('/v1/orders').set('Authorization', stranger.bearer).expect(200);
      expect(theirs.body).toEqual({ items: [], next: null });

      const badCursor = await h.api().get('/v1/orders?cursor=bm90IGpzb24').set('Authorization', buyer.bearer);
      expectProblem(badCursor, 400, 'validation-error');
      expectProblem(
        await h.api().get('/v1/orders?limit=101').set('Authorization', buyer.bearer),
        400,
        'validation-error',
      );
      await h.api().get('/v1/orders').expect(401);
    });

    it('shows an order to its owner and to admins; to anyone else it does not exist', async () => {
      const order = (await h.placeOrder(alice.bearer, [{ productId: lamp.id, quantity: 1 }]).expect(201))
        .body as OrderBody;
      await h.orderOf(alice.bearer, order.id).expect(200);
      expect((await h.orderOf(h.admin, order.id).expect(200)).body.id).toBe(order.id);
      expectProblem(await h.orderOf(bob.bearer, order.id), 404, 'order-not-found');
      expectProblem(await h.orderOf(alice.bearer, randomUUID()), 404, 'order-not-found');
      expectProblem(await h.orderOf(alice.bearer, 'not-a-uuid'), 400, 'bad-request');
      await h.api().get(`/v1/orders/${order.id}`).expect(401);
    });
  });

  describe('cancelling', () => {
    const cancel = (bearer: string, id: string) => h.api().post(`/v1/orders/${id}/cancel`).set('Authorization', bearer);
    /** A payment outcome as the payments module would announce it, delivered to ordering's inbox. */
    const publishPayment = async (order: OrderBody, outcome: 'succeeded' | 'failed') => {
      const inbox = inboxQueue(h.backend, 'ordering', h.db.url);
      const ids = { paymentId: randomUUID(), orderId: order.id, customerId: order.customerId };
      const [name, payload] =
        outcome === 'succeeded'
          ? ['payments.payment-succeeded', { ...ids, amount: order.total }]
          : ['payments.payment-failed', { ...ids, reason: 'card_declined' }];
      const envelope = eventEnvelope({
        name,
        publisher: 'payments',
        aggregateId: ids.paymentId,
        aggregateVersion: 2,
        payload,
      });
      await inbox.add(`${name}@1`, envelope, { jobId: `test_${envelope.id}`, attempts: 1 });
      await inbox.close();
    };

    it('lets the owner cancel an unpaid order once, announcing it with OrderCancelled', async () => {
      const order = (await h.placeOrder(alice.bearer, [{ productId: lamp.id, quantity: 3 }]).expect(201))
        .body as OrderBody;
      expectProblem(await cancel(bob.bearer, order.id), 404, 'order-not-found');
      const cancelled = await cancel(alice.bearer, order.id).expect(200);
      expect(cancelled.body).toMatchObject({
        id: order.id,
        status: 'cancelled',
        cancelReason: 'customer_cancelled',
        version: 2,
      });
      expect((await h.orderOf(alice.bearer, order.id).expect(200)).body).toEqual(cancelled.body);
      expectProblem(await cancel(alice.bearer, order.id), 409, 'order-already-cancelled');

      const events = await h.eventsOf(order.id);
      expect(events.map((e) => [e.event_name, e.aggregate_version])).toEqual([
        ['ordering.order-placed', '1'],
        ['ordering.order-cancelled', '2'],
      ]);
      expect(events[1]!.payload).toEqual({
        orderId: order.id,
        customerId: alice.id,
        reason: 'customer_cancelled',
        previousStatus: 'pending',
        lines: [{ productId: lamp.id, sku: lamp.sku, quantity: 3, unitPrice: { amount: 1999, currency: 'EUR' } }],
        total: { amount: 3 * 1999, currency: 'EUR' },
      });
    });

    it('cancels an order named by its id in upper case, as by its id', async () => {
      const order = (await h.placeOrder(alice.bearer, [{ productId: lamp.id, quantity: 1 }]).expect(201))
        .body as OrderBody;
      const cancelled = await cancel(alice.bearer, order.id.toUpperCase()).expect(200);
      expect(cancelled.body).toMatchObject({ id: order.id, status: 'cancelled', cancelReason: 'customer_cancelled' });
    });

    it("lets an admin cancel a customer's order", async () => {
      const order = (await h.placeOrder(bob.bearer, [{ productId: desk.id, quantity: 1 }]).expect(201))
        .body as OrderBody;
      const cancelled = await cancel(h.admin, order.id).expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'customer_cancelled' });
    });

    it('refuses the customer to cancel a confirmed order (409), an admin may; a payment confirms even a pending order', async () => {
      const order = (await h.placeOrder(alice.bearer, [{ productId: desk.id, quantity: 2 }]).expect(201))
        .body as OrderBody;
      await publishPayment(order, 'succeeded');
      const confirmed = await h.settled(alice.bearer, order.id, (o) => o.status === 'confirmed');
      expect(confirmed.version).toBe(3); // pending -> paid -> confirmed
      expect(confirmed.cancelReason).toBeUndefined();
      expectProblem(await cancel(alice.bearer, order.id), 409, 'order-not-cancellable');
      // An admin may: payments refunds it when it hears OrderCancelled.
      const cancelled = await cancel(h.admin, order.id).expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'customer_cancelled', version: 4 });
      const events = await h.eventsOf(order.id);
      expect(events.map((e) => e.event_name)).toEqual([
        'ordering.order-placed',
        'ordering.order-confirmed',
        'ordering.order-cancelled',
      ]);
      expect(events[2]!.payload).toMatchObject({ previousStatus: 'confirmed', reason: 'customer_cancelled' });
    });

    it('cancels an order whose payment failed, after which the customer cannot cancel it', async () => {
      const order = (await h.placeOrder(alice.bearer, [{ productId: lamp.id, quantity: 1 }]).expect(201))
        .body as OrderBody;
      await publishPayment(order, 'failed');
      const failed = await h.settled(alice.bearer, order.id, (o) => o.status === 'cancelled');
      expect(failed.cancelReason).toBe('payment_failed');
      expectProblem(await cancel(alice.bearer, order.id), 409, 'order-already-cancelled');
    });
  });
});
