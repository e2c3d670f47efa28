import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { eventually } from '../support/eventually';
import { inboxQueue } from '../support/inbox-queue';
import { OrderingHarness, PROBLEM, type OrderBody } from './ordering-harness';
import { eventEnvelope } from '../support/event-envelope';

/**
 * The saga's steps as ordering takes them: the events inventory and payments publish are
 * delivered straight to ordering's inbox queue (as the relay would), in any order and more
 * than once, so each step is tested without those modules' own timing.
 */
describe('ordering: the order saga and the product copy, event by event', () => {
  const h = new OrderingHarness();
  let inbox: Queue;
  let buyer: { bearer: string; id: string };
  let lamp: { id: string; sku: string; name: string };

  beforeAll(async () => {
    await h.start('ordering_saga');
    inbox = inboxQueue(h.backend, 'ordering', h.db.url);
    buyer = await h.customer('saga');
    lamp = await h.product({ amount: 1200, currency: 'EUR' });
  });
  afterAll(async () => {
    await inbox?.close();
    await h.stop();
  });

  /** Delivers one event to ordering and waits until its handler's transaction is done. */
  async function deliver(
    event: { name: string; publisher: string },
    aggregateId: string,
    payload: object,
    aggregateVersion = 1,
  ): Promise<void> {
    const envelope = eventEnvelope({
      name: event.name,
      publisher: event.publisher,
      aggregateId,
      aggregateVersion,
      payload,
    });
    const job = await inbox.add(`${event.name}@1`, envelope, { jobId: `test_${envelope.id}`, attempts: 1 });
    const state = await eventually(
      () => job.getState(),
      (s) => s === 'completed' || s === 'failed',
      { what: `delivery of ${event.name}` },
    );
    expect(state).toBe('completed');
  }

  const STOCK_RESERVED = { name: 'inventory.stock-reserved', publisher: 'inventory' };
  const STOCK_SHORT = { name: 'inventory.stock-reservation-failed', publisher: 'inventory' };
  const STOCK_RELEASED = { name: 'inventory.stock-released', publisher: 'inventory' };
  const PAYMENT_SUCCEEDED = { name: 'payments.payment-succeeded', publisher: 'payments' };
  const PAYMENT_FAILED = { name: 'payments.payment-failed', publisher: 'payments' };
  const PRODUCT_CREATED = { name: 'catalog.product-created', publisher: 'catalog' };
  const PRODUCT_UPDATED = { name: 'catalog.product-updated', publisher: 'catalog' };
  const PRODUCT_ARCHIVED = { name: 'catalog.product-archived', publisher: 'catalog' };

  const stockLines = (order: OrderBody) => order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
  // What inventory and payments would say about an order, as payloads.
  const reservedPayload = (order: OrderBody) => ({
    orderId: order.id,
    lines: stockLines(order),
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
  });
  const paidPayload = (order: OrderBody) => ({
    paymentId: randomUUID(),
    orderId: order.id,
    customerId: order.customerId,
    amount: order.total,
  });
  const declinedPayload = (order: OrderBody) => ({
    paymentId: randomUUID(),
    orderId: order.id,
    customerId: order.customerId,
    reason: 'card_declined',
  });
  const reserved = (order: OrderBody) => deliver(STOCK_RESERVED, order.id, reservedPayload(order));
  const released = (order: OrderBody, reason: 'expired' | 'order_cancelled') =>
    deliver(STOCK_RELEASED, order.id, { orderId: order.id, reason, lines: stockLines(order) });
  const paid = (order: OrderBody) => deliver(PAYMENT_SUCCEEDED, order.id, paidPayload(order));
  const declined = (order: OrderBody) => deliver(PAYMENT_FAILED, order.id, declinedPayload(order));

  const place = async (quantity = 2): Promise<OrderBody> =>
    (await h.placeOrder(buyer.bearer, [{ productId: lamp.id, quantity }]).expect(201)).body as OrderBody;
  const current = async (order: OrderBody): Promise<OrderBody> =>
    (await h.orderOf(buyer.bearer, order.id).expect(200)).body as OrderBody;
  const eventNames = async (order: OrderBody) => (await h.eventsOf(order.id)).map((e) => e.event_name);

  it('pending -> stock_reserved -> confirmed, ignoring redeliveries', async () => {
    const order = await place();
    await reserved(order);
    expect(await current(order)).toMatchObject({ status: 'stock_reserved', version: 2 });
    await reserved(order); // the same fact again (a new event id: the inbox cannot tell)
    expect(await current(order)).toMatchObject({ status: 'stock_reserved', version: 2 });

    await paid(order);
    expect(await current(order)).toMatchObject({ status: 'confirmed', version: 4 });
    await paid(order);
    await declined(order); // a late failure cannot undo a confirmation
    await released(order, 'expired'); // nor can a reservation expiring afterwards
    expect(await current(order)).toMatchObject({ status: 'confirmed', version: 4 });

    const events = await h.eventsOf(order.id);
    expect(events.map((e) => [e.event_name, e.aggregate_version])).toEqual([
      ['ordering.order-placed', '1'],
      ['ordering.order-confirmed', '4'],
    ]);
    expect(events[1]!.payload).toEqual({
      orderId: order.id,
      customerId: buyer.id,
      lines: [{ productId: lamp.id, sku: lamp.sku, quantity: 2, unitPrice: { amount: 1200, currency: 'EUR' } }],
      total: { amount: 2400, currency: 'EUR' },
    });
  });

  it('confirms when the payment overtakes the reservation, and the late reservation changes nothing', async () => {
    const order = await place();
    await paid(order);
    expect(await current(order)).toMatchObject({ status: 'confirmed', version: 3 });
    await reserved(order);
    expect(await current(order)).toMatchObject({ status: 'confirmed', version: 3 });
  });

  it('cancels out_of_stock when the reservation fails, only while pending', async () => {
    const order = await place(1000);
    await deliver(STOCK_SHORT, order.id, {
      orderId: order.id,
      shortLines: [{ sku: lamp.sku, requested: 1000, available: 3 }],
    });
    expect(await current(order)).toMatchObject({ status: 'cancelled', cancelReason: 'out_of_stock', version: 2 });
    const [, cancelled] = await h.eventsOf(order.id);
    expect(cancelled).toMatchObject({
      event_name: 'ordering.order-cancelled',
      aggregate_version: '2',
      payload: { reason: 'out_of_stock', previousStatus: 'pending' },
    });
    await reserved(order); // a reservation after the refusal cannot revive it
    await paid(order); // nor can a payment: refunding it is the payments module's job
    expect(await current(order)).toMatchObject({ status: 'cancelled', cancelReason: 'out_of_stock', version: 2 });

    const held = await place();
    await reserved(held);
    await deliver(STOCK_SHORT, held.id, {
      orderId: held.id,
      shortLines: [{ sku: lamp.sku, requested: 2, available: 0 }],
    });
    expect(await current(held)).toMatchObject({ status: 'stock_reserved', version: 2 });
  });

  it('cancels reservation_expired when the stock is released for expiry, pending or reserved', async () => {
    const reservedOrder = await place();
    await reserved(reservedOrder);
    await released(reservedOrder, 'expired');
    expect(await current(reservedOrder)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'reservation_expired',
      version: 3,
    });
    expect((await h.eventsOf(reservedOrder.id))[1]!.payload).toMatchObject({
      reason: 'reservation_expired',
      previousStatus: 'stock_reserved',
    });
    await paid(reservedOrder);
    expect(await current(reservedOrder)).toMatchObject({ status: 'cancelled', version: 3 });

    const pendingOrder = await place();
    await released(pendingOrder, 'expired');
    expect(await current(pendingOrder)).toMatchObject({ status: 'cancelled', cancelReason: 'reservation_expired' });
  });

  it("changes nothing when stock is released because of the order's own cancellation", async () => {
    const order = await place();
    await reserved(order);
    await h.api().post(`/v1/orders/${order.id}/cancel`).set('Authorization', buyer.bearer).expect(200);
    await released(order, 'order_cancelled');
    expect(await current(order)).toMatchObject({ status: 'cancelled', cancelReason: 'customer_cancelled', version: 3 });
    expect(await eventNames(order)).toEqual(['ordering.order-placed', 'ordering.order-cancelled']);

    // Released "for the cancellation" of an order that is in fact still open: also nothing.
    const open = await place();
    await released(open, 'order_cancelled');
    expect(await current(open)).toMatchObject({ status: 'pending', version: 1 });
  });

  it('cancels payment_failed from pending or stock_reserved, once', async () => {
    const order = await place();
    await reserved(order);
    await declined(order);
    await declined(order);
    expect(await current(order)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_failed', version: 3 });
    expect(await eventNames(order)).toEqual(['ordering.order-placed', 'ordering.order-cancelled']);
  });

  it('acknowledges events about orders it does not know without effect', async () => {
    const ghost = randomUUID();
    await deliver(STOCK_RESERVED, ghost, {
      orderId: ghost,
      lines: [{ sku: lamp.sku, quantity: 1 }],
      expiresAt: new Date().toISOString(),
    });
    await deliver(PAYMENT_SUCCEEDED, ghost, {
      paymentId: randomUUID(),
      orderId: ghost,
      customerId: randomUUID(),
      amount: { amount: 1, currency: 'EUR' },
    });
    expect(await h.db.query('SELECT 1 FROM ordering.orders WHERE id = $1', [ghost])).toEqual([]);
  });

  it('a burst of saga events decided together: each order in turn, each announcement caused by its own event', async () => {
    const orders = await Promise.all(Array.from({ length: 24 }, () => place(1)));
    const ghost = randomUUID();
    const envelope = (event: { name: string; publisher: string }, orderId: string, payload: object) =>
      eventEnvelope({ ...event, aggregateId: orderId, payload });
    const reservedOf = (order: OrderBody) => envelope(STOCK_RESERVED, order.id, reservedPayload(order));
    // Per order: reserved, reserved again (a second fact, a new id), paid; every fourth order
    // is declined instead, and one event is about an order ordering never saw.
    const burst = orders.flatMap((order, i) =>
      i % 4 === 3
        ? [reservedOf(order), envelope(PAYMENT_FAILED, order.id, declinedPayload(order))]
        : [reservedOf(order), reservedOf(order), envelope(PAYMENT_SUCCEEDED, order.id, paidPayload(order))],
    );
    burst.splice(
      7,
      0,
      envelope(STOCK_RESERVED, ghost, {
        orderId: ghost,
        lines: [{ sku: lamp.sku, quantity: 1 }],
        expiresAt: new Date().toISOString(),
      }),
    );
    const jobs = await inbox.addBulk(
      burst.map((e) => ({ name: `${e.name}@1`, data: e, opts: { jobId: `test_${e.id}`, attempts: 1 } })),
    );
    const states = await eventually(
      () => Promise.all(jobs.map((job) => job.getState())),
      (all) => all.every((s) => s === 'completed' || s === 'failed'),
      { what: 'the burst delivered' },
    );
    expect(states.every((s) => s === 'completed')).toBe(true);

    const rows = await h.db.query<{ id: string; status: string; cancel_reason: string | null; version: number }>(
      'SELECT id, status, cancel_reason, version FROM ordering.orders WHERE id = ANY($1::uuid[])',
      [orders.map((order) => order.id)],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const announcements = await h.db.query<{ aggregate_id: string; event_name: string; causation_id: string }>(
      `SELECT aggregate_id, event_name, causation_id FROM ordering.outbox
        WHERE aggregate_id = ANY($1) AND event_name <> 'ordering.order-placed'`,
      [orders.map((order) => order.id)],
    );
    // Exactly one announcement per order, answering that order's payment event.
    expect(announcements).toHaveLength(orders.length);
    const payments = new Map(burst.filter((e) => e.name.startsWith('payments.')).map((e) => [e.aggregateId, e.id]));
    orders.forEach((order, i) => {
      const row = byId.get(order.id)!;
      const announced = announcements.filter((a) => a.aggregate_id === order.id);
      expect(announced.map((a) => a.causation_id)).toEqual([payments.get(order.id)]);
      if (i % 4 === 3) {
        // reserved then declined (v3), or declined while still pending (v2) when the events crossed
        expect(row).toMatchObject({ status: 'cancelled', cancel_reason: 'payment_failed' });
        expect(announced[0]!.event_name).toBe('ordering.order-cancelled');
      } else {
        // reserved, paid, confirmed (v4), or paid before the reservation (v3)
        expect(row.status).toBe('confirmed');
        expect([3, 4]).toContain(row.version);
        expect(announced[0]!.event_name).toBe('ordering.order-confirmed');
      }
    });
    expect(await h.db.query('SELECT 1 FROM ordering.orders WHERE id = $1', [ghost])).toEqual([]);
  }, 60_000);

  describe('the product copy', () => {
    const state = (productId: string, sku: string, amount: number, status = 'active') => ({
      productId,
      sku,
      name: `Copied ${sku}`,
      categoryId: randomUUID(),
      price: { amount, currency: 'EUR' },
      status,
    });

    it('never moves back to an older version when events arrive late or twice', async () => {
      const productId = randomUUID();
      const sku = `LATE-${productId.slice(0, 6)}`;
      await deliver(PRODUCT_UPDATED, productId, state(productId, sku, 3000), 3);
      await deliver(PRODUCT_CREATED, productId, state(productId, sku, 1000), 1);
      await deliver(PRODUCT_UPDATED, productId, state(productId, sku, 2000), 2);
      await deliver(PRODUCT_UPDATED, productId, state(productId, sku, 3000), 3);
      const order = (await h.placeOrder(buyer.bearer, [{ productId, quantity: 1 }]).expect(201)).body as OrderBody;
      expect(order.lines[0]).toMatchObject({
        sku,
        name: `Copied ${sku}`,
        unitPrice: { amount: 3000, currency: 'EUR' },
      });

      await deliver(PRODUCT_ARCHIVED, productId, { productId, sku }, 4);
      await deliver(PRODUCT_UPDATED, productId, state(productId, sku, 1, 'active'), 3);
      const refused = await h.placeOrder(buyer.bearer, [{ productId, quantity: 1 }]);
      expect(refused.status).toBe(422);
      expect(refused.headers['content-type']).toBe(PROBLEM);
      expect(refused.body.products).toEqual([{ productId, reason: 'archived' }]);
    });

    it('a burst of product events, out of order and repeated, leaves each product at its newest state', async () => {
      const products = Array.from({ length: 15 }, (_, i) => ({
        productId: randomUUID(),
        sku: `BURST-${i}-${randomUUID().slice(0, 6)}`,
      }));
      const envelopes = products.flatMap(({ productId, sku }, i) => [
        eventEnvelope({
          ...PRODUCT_UPDATED,
          aggregateId: productId,
          aggregateVersion: 3,
          payload: state(productId, sku, 3000 + i),
        }),
        eventEnvelope({
          ...PRODUCT_CREATED,
          aggregateId: productId,
          aggregateVersion: 1,
          payload: state(productId, sku, 1000),
        }),
        eventEnvelope({
          ...PRODUCT_UPDATED,
          aggregateId: productId,
          aggregateVersion: 2,
          payload: state(productId, sku, 2000),
        }),
        eventEnvelope({
          ...PRODUCT_UPDATED,
          aggregateId: productId,
          aggregateVersion: 3,
          payload: state(productId, sku, 3000 + i),
        }),
      ]);
      const jobs = await inbox.addBulk(
        envelopes.map((envelope) => ({
          name: `${envelope.name}@1`,
          data: envelope,
          opts: { jobId: `test_${envelope.id}`, attempts: 1 },
        })),
      );
      const states = await eventually(
        () => Promise.all(jobs.map((job) => job.getState())),
        (all) => all.every((s) => s === 'completed' || s === 'failed'),
        { what: 'the burst delivered' },
      );
      expect(states.every((s) => s === 'completed')).toBe(true);
      const rows = await h.db.query<{ product_id: string; price_amount: string; version: number }>(
        'SELECT product_id, price_amount, version FROM ordering.products WHERE product_id = ANY($1::uuid[])',
        [products.map((p) => p.productId)],
      );
      expect(new Map(rows.map((row) => [row.product_id, [Number(row.price_amount), row.version]]))).toEqual(
        new Map(products.map(({ productId }, i) => [productId, [3000 + i, 3]])),
      );
    });

    it('remembers an archiving that overtook the creation', async () => {
      const productId = randomUUID();
      const sku = `GONE-${productId.slice(0, 6)}`;
      await deliver(PRODUCT_ARCHIVED, productId, { productId, sku }, 2);
      await deliver(PRODUCT_CREATED, productId, state(productId, sku, 500), 1);
      const refused = await h.placeOrder(buyer.bearer, [{ productId, quantity: 1 }]);
      expect(refused.status).toBe(422);
      expect(refused.body.products).toEqual([{ productId, reason: 'archived' }]);
    });
  });
});
