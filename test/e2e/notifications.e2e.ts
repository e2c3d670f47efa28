import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { eventually } from '../support/eventually';
import { freshEmail, sessionFor } from '../support/sessions';
import { sellableProduct as sellableProductIn } from './sellable-product';
import { adminToken, api, customerBearer, target } from './target';

const PROBLEM = 'application/problem+json; charset=utf-8';
const ALL_TYPES = [
  'order.placed',
  'order.confirmed',
  'order.cancelled',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
];

interface Order {
  id: string;
  status: string;
  total: { amount: number; currency: string };
}

interface Delivery {
  id: string;
  eventId: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

/** One POST the receiver got, and what it answered. */
interface ReceivedCall {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  answered: number;
}

interface ReceivedMail {
  to: string[];
  raw: string;
}

/**
 * The verification recipe of the module README, as a receiver would write it: HMAC-SHA256
 * of "<t>.<raw body>" with the endpoint's secret, hex, compared in constant time.
 */
function verifyTesseraSignature(secret: string, rawBody: string, header: string): boolean {
  const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = fields.t ?? '';
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  const given = fields.v1 ?? '';
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

describe(`notifications: webhooks and emails (${target.topology})`, () => {
  let admin: string;
  let categoryId: string;
  let receiver: Server;
  let smtp: SMTPServer;
  /** What each receiver path got, in arrival order. */
  const calls = new Map<string, ReceivedCall[]>();
  /** Statuses to answer, per path, before answering 200. */
  const scripted = new Map<string, number[]>();
  const mails: ReceivedMail[] = [];
  const unique = randomUUID().slice(0, 8);

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const answered = scripted.get(path)?.shift() ?? 200;
        const list = calls.get(path) ?? [];
        list.push({ headers: request.headers, rawBody: Buffer.concat(chunks).toString('utf8'), answered });
        calls.set(path, list);
        response.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(target.webhookPort, '127.0.0.1', resolve));
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(target.smtpPort, '127.0.0.1', resolve));

    admin = `Bearer ${await adminToken()}`;
    categoryId = (
      await api()
        .post('/v1/categories')
        .set('Authorization', admin)
        .send({ name: 'Notifications', slug: `notifications-${unique}` })
        .expect(201)
    ).body.id;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  const orderOf = (bearer: string, id: string) => api().get(`/v1/orders/${id}`).set('Authorization', bearer);
  const settled = (bearer: string, id: string, status: string) =>
    eventually(
      () => orderOf(bearer, id).expect(200),
      (response) => (response.body as Order).status === status,
      { timeoutMs: 30_000, what: `order ${id} ${status}` },
    ).then((response) => response.body as Order);
  const placeOrder = (bearer: string, productId: string) =>
    api()
      .post('/v1/orders')
      .set('Authorization', bearer)
      .set('Idempotency-Key', randomUUID())
      .send({ lines: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_ok' });

  const sellableProduct = async (onHand: number): Promise<string> =>
    (await sellableProductIn({ admin, categoryId, onHand, amount: 2500, label: 'Notification' })).id;

  /** A registered account (identity announces it, so notifications knows its email). */
  const registeredCustomer = async () => {
    const email = freshEmail('notified');
    const session = await sessionFor(target.baseUrl, email);
    const bearer = `Bearer ${session.accessToken}`;
    const me = (await api().get('/v1/me').set('Authorization', bearer).expect(200)).body as { id: string };
    return { id: me.id, email, bearer };
  };

  /** Places an order for the customer, paid with the sandbox's `pm_card_ok`: it ends `confirmed`. */
  const confirmedOrder = async (customer: { id: string; bearer: string }, productId: string) => {
    const placed = (await placeOrder(customer.bearer, productId).expect(201)).body as Order;
    return settled(customer.bearer, placed.id, 'confirmed');
  };

  const receiverUrl = (path: string) => `http://127.0.0.1:${target.webhookPort}${path}`;
  const deliveriesOf = async (bearer: string, endpointId: string): Promise<Delivery[]> =>
    (await api().get(`/v1/webhook-endpoints/${endpointId}/deliveries`).set('Authorization', bearer).expect(200)).body
      .items as Delivery[];

  it('a receiver gets signed deliveries in the order the events happened, and a 500 is retried', async () => {
    const productId = await sellableProduct(10);
    const customer = await registeredCustomer();
    const path = `/hooks/${randomUUID()}`;
    scripted.set(path, [500]);
    const created = await api()
      .post('/v1/webhook-endpoints')
      .set('Authorization', customer.bearer)
      .send({ url: receiverUrl(path), eventTypes: ALL_TYPES })
      .expect(201);
    const endpoint = created.body as { id: string; secret: string; status: string; eventTypes: string[] };
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint).toMatchObject({ status: 'active', url: receiverUrl(path), eventTypes: ALL_TYPES });

    const order = await confirmedOrder(customer, productId);

    const accepted = () => (calls.get(path) ?? []).filter((call) => call.answered === 200);
    await eventually(
      async () => accepted().map((call) => (JSON.parse(call.rawBody) as { type: string }).type),
      (types) => types.includes('order.confirmed'),
      { timeoutMs: 30_000, what: 'the order.confirmed delivery' },
    );
    const received = calls.get(path) ?? [];
    const types = received.map((call) => `${(JSON.parse(call.rawBody) as { type: string }).type}:${call.answered}`);
    // The first order.placed attempt got a 500; nothing later went out before its retry
    // succeeded, and the order's statuses arrived in their order. payment.succeeded sits in the
    // same sequence by when it happened, but it is published by payments while ordering
    // confirms on it, so the two may reach notifications in either order (checked: once).
    expect(types.filter((type) => type.startsWith('order.'))).toEqual([
      'order.placed:500',
      'order.placed:200',
      'order.confirmed:200',
    ]);
    expect(types.slice(0, 2)).toEqual(['order.placed:500', 'order.placed:200']);
    expect(types.filter((type) => type.startsWith('payment.'))).toEqual(['payment.succeeded:200']);

    for (const call of received) {
      const body = JSON.parse(call.rawBody) as {
        id: string;
        type: string;
        createdAt: string;
        data: Order & { orderId: string; customerId: string };
      };
      expect(Object.keys(body).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
      expect(body.data).toMatchObject({ orderId: order.id, customerId: customer.id });
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.headers['tessera-event-id']).toBe(body.id);
      expect(call.headers['tessera-event-type']).toBe(body.type);
      const signature = String(call.headers['tessera-signature']);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyTesseraSignature(endpoint.secret, call.rawBody, signature)).toBe(true);
      expect(verifyTesseraSignature('whsec_wrong', call.rawBody, signature)).toBe(false);
    }
    // Retries resend the same event: same id, same bytes.
    expect(received[0]!.rawBody).toBe(received[1]!.rawBody);

    // The log lists deliveries as they were recorded, newest first. payment.succeeded and
    // order.confirmed reach notifications by two routes at nearly the same time, so either may
    // be recorded first; what the receiver got above is in the order the events happened.
    const log = await deliveriesOf(customer.bearer, endpoint.id);
    expect(log.map((d) => d.type).at(-1)).toBe('order.placed');
    expect(log.map((d) => d.type).sort()).toEqual(['order.confirmed', 'order.placed', 'payment.succeeded']);
    expect(log.find((d) => d.type === 'order.placed')).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(log.find((d) => d.type === 'order.confirmed')).toMatchObject({ status: 'delivered', attempts: 1 });

    // A manual redelivery sends the same event again, in a fresh run of attempts; ids in upper
    // case name the same endpoint and delivery.
    const placedDelivery = log.find((d) => d.type === 'order.placed')!;
    const redelivered = await api()
      .post(
        `/v1/webhook-endpoints/${endpoint.id.toUpperCase()}/deliveries/${placedDelivery.id.toUpperCase()}/redeliver`,
      )
      .set('Authorization', customer.bearer)
      .expect(202);
    expect(redelivered.body).toEqual({ id: placedDelivery.id, status: 'pending' });
    await eventually(
      async () => accepted().length,
      (count) => count === 4,
      { what: 'the redelivery' },
    );
    expect(accepted()[3]!.rawBody).toBe(received[1]!.rawBody);
    const after = await eventually(
      () => deliveriesOf(customer.bearer, endpoint.id),
      (items) => items.find((d) => d.id === placedDelivery.id)?.status === 'delivered',
      { what: 'the redelivered delivery in the log' },
    );
    expect(after.find((d) => d.id === placedDelivery.id)).toMatchObject({ attempts: 1, lastStatusCode: 200 });
  }, 120_000);

  it('refuses webhook targets on loopback, private and link-local addresses with 422', async () => {
    const bearer = await customerBearer();
    const otherPort = target.webhookPort === 65535 ? 65534 : target.webhookPort + 1;
    for (const url of [
      `http://127.0.0.1:${otherPort}/hook`,
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/hook',
      'http://[::ffff:127.0.0.1]/hook',
      // The same addresses spelled otherwise: URL parsing and DNS turn each into one above.
      'http://localhost:4567/hook',
      'http://LOCALHOST./hook',
      'http://0.0.0.0/hook',
      'http://0/hook',
      'http://2130706433/hook',
      'http://0x7f.1/hook',
      'http://127.1/hook',
      'http://[::]/hook',
      'http://[::ffff:a9fe:a9fe]/hook',
      'http://[64:ff9b::10.0.0.1]/hook',
      'http://[::127.0.0.1]/hook',
      'http://[fe80::1]/hook',
      'http://[fd00::1]/hook',
      'http://100.64.0.1/hook',
      'https://169.254.169.254./latest',
    ]) {
      const response = await api()
        .post('/v1/webhook-endpoints')
        .set('Authorization', bearer)
        .send({ url, eventTypes: ['order.placed'] });
      expect({ url, status: response.status }).toEqual({ url, status: 422 });
      expect(response.headers['content-type']).toBe(PROBLEM);
      expect(response.body.type).toMatch(/\/webhook-target-not-allowed$/);
    }
  });

  it('emails the customer when their order is confirmed', async () => {
    const productId = await sellableProduct(5);
    const customer = await registeredCustomer();
    const order = await confirmedOrder(customer, productId);
    const mail = await eventually(
      async () => mails.find((m) => m.to.includes(customer.email)),
      (found) => found !== undefined,
      { timeoutMs: 30_000, what: `the confirmation email to ${customer.email}` },
    );
    // Quoted-printable bodies wrap long lines with soft breaks ("=" at the end of a line).
    const text = mail!.raw.replace(/=\r?\n/g, '');
    expect(text).toMatch(/^Subject: .*confirmed/im);
    expect(text).toContain(order.id);
    expect(text).toContain('text/plain');
    expect(text).toContain('text/html');
  }, 120_000);

  it('lists, pages and deletes the caller’s own endpoints; others get 404; the secret is shown once', async () => {
    const owner = await customerBearer();
    const stranger = await customerBearer();
    const create = (url: string) =>
      api()
        .post('/v1/webhook-endpoints')
        .set('Authorization', owner)
        .send({ url, eventTypes: ['order.placed', 'payment.refunded'] })
        .expect(201)
        .then((r) => r.body as { id: string; secret: string });
    const first = await create(receiverUrl('/hooks/first'));
    const second = await create(receiverUrl('/hooks/second'));
    expect(first.secret).not.toBe(second.secret);

    const page1 = (await api().get('/v1/webhook-endpoints?limit=1').set('Authorization', owner).expect(200)).body;
    expect(page1.items.map((e: { id: string }) => e.id)).toEqual([second.id]);
    expect(page1.next).toEqual(expect.any(String));
    const page2 = (
      await api().get(`/v1/webhook-endpoints?limit=1&cursor=${page1.next}`).set('Authorization', owner).expect(200)
    ).body;
    expect(page2.items.map((e: { id: string }) => e.id)).toEqual([first.id]);
    expect(page2.next).toBeNull();
    for (const item of [...page1.items, ...page2.items]) {
      expect(item).not.toHaveProperty('secret');
      expect(item).toMatchObject({ status: 'active', eventTypes: ['order.placed', 'payment.refunded'] });
    }

    const theirs = await api().get('/v1/webhook-endpoints').set('Authorization', stranger).expect(200);
    expect(theirs.body).toEqual({ items: [], next: null });
    await api().delete(`/v1/webhook-endpoints/${first.id}`).set('Authorization', stranger).expect(404);
    const hidden = await api().get(`/v1/webhook-endpoints/${first.id}/deliveries`).set('Authorization', stranger);
    expect(hidden.status).toBe(404);
    expect(hidden.body.type).toMatch(/\/webhook-endpoint-not-found$/);
    await api().get(`/v1/webhook-endpoints/${first.id}/deliveries`).set('Authorization', admin).expect(200);
    await api().get(`/v1/webhook-endpoints/${first.id}/deliveries`).set('Authorization', owner).expect(200);

    await api().delete(`/v1/webhook-endpoints/${first.id}`).set('Authorization', owner).expect(204);
    await api().delete(`/v1/webhook-endpoints/${first.id}`).set('Authorization', owner).expect(404);
    await api().delete(`/v1/webhook-endpoints/${second.id}`).set('Authorization', admin).expect(204);
    const left = await api().get('/v1/webhook-endpoints').set('Authorization', owner).expect(200);
    expect(left.body.items).toEqual([]);
    await api().get('/v1/webhook-endpoints').expect(401);
  });

  it('rejects bad endpoint bodies with 400 validation problems', async () => {
    const bearer = await customerBearer();
    const url = receiverUrl('/hooks/invalid');
    for (const body of [
      { url, eventTypes: ['order.shipped'] },
      { url, eventTypes: [] },
      { url, eventTypes: ['order.placed', 'order.placed'] },
      { url, eventTypes: ['order.placed'], secret: 'mine' },
      { eventTypes: ['order.placed'] },
      { url: 'ftp://example.com/hook', eventTypes: ['order.placed'] },
      { url: 'not a url', eventTypes: ['order.placed'] },
    ]) {
      const response = await api().post('/v1/webhook-endpoints').set('Authorization', bearer).send(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.headers['content-type']).toBe(PROBLEM);
      expect(response.body.type).toMatch(/\/validation-error$/);
    }
    await api().delete('/v1/webhook-endpoints/not-a-uuid').set('Authorization', bearer).expect(400);
  });
});
