import { randomUUID } from 'node:crypto';
import { tesseraClient } from '../client/tessera-client';
import { eventually } from '../support/eventually';
import { freshEmail, PASSWORD, randomIp } from '../support/sessions';
import { sellableProduct } from './sellable-product';
import { adminToken, api, target } from './target';

/**
 * A consumer written against the client generated from docs/openapi.json: it type-checks only
 * while the document describes the bodies it reads, and runs against the deployment.
 */
describe(`a client generated from the API document (${target.topology})`, () => {
  it('registers, places an order, reads it until confirmed, and reads a typed problem', async () => {
    const admin = `Bearer ${await adminToken()}`;
    const category = await api()
      .post('/v1/categories')
      .set('Authorization', admin)
      .send({ name: 'Client', slug: `client-${randomUUID().slice(0, 8)}` })
      .expect(201);
    const product = await sellableProduct({ admin, categoryId: category.body.id, onHand: 5, label: 'client' });

    const anonymous = tesseraClient(target.baseUrl);
    const email = freshEmail('client');
    const ip = { 'X-Forwarded-For': randomIp() };
    const registered = await anonymous.POST('/v1/auth/register', {
      body: { email, password: PASSWORD },
      headers: ip,
    });
    expect(registered.response.status).toBe(201);
    const session = await anonymous.POST('/v1/auth/login', { body: { email, password: PASSWORD }, headers: ip });
    if (!session.data) throw new Error(`log in: ${session.response.status}`);

    const customer = tesseraClient(target.baseUrl, session.data.accessToken);
    const placed = await customer.POST('/v1/orders', {
      params: { header: { 'Idempotency-Key': randomUUID() } },
      body: { lines: [{ productId: product.id, quantity: 2 }], paymentMethod: 'pm_card_ok' },
    });
    if (!placed.data) throw new Error(`place: ${placed.response.status} ${JSON.stringify(placed.error)}`);
    expect(placed.data.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: 2 })]);
    expect(placed.data.total).toEqual({ amount: 3000, currency: 'EUR' });

    const orderId = placed.data.id;
    const token = placed.response.headers.get('Consistency-Token') ?? undefined;
    const confirmed = await eventually(
      () =>
        customer.GET('/v1/orders/{id}', {
          params: { path: { id: orderId }, header: token ? { 'Consistency-Token': token } : {} },
        }),
      (read) => read.data?.status === 'confirmed',
      { what: `order ${orderId} confirmed` },
    );
    expect(confirmed.data?.id).toBe(orderId);

    const refused = await customer.POST('/v1/orders', {
      params: { header: { 'Idempotency-Key': randomUUID() } },
      body: { lines: [{ productId: product.id, quantity: 0 }], paymentMethod: 'pm_card_ok' },
    });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.type).toBe('https://tessera.dev/problems/validation-error');
  });
});
