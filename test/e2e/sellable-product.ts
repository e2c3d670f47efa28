import { randomUUID } from 'node:crypto';
import { eventually } from '../support/eventually';
import { api, customerBearer } from './target';

/**
 * A product ordering and inventory both know, with `onHand` units in stock. Both learn of it
 * from ProductCreated; a probe order (placed while stock is still 0, so refused) proves
 * ordering's projection has it before any test order counts.
 */
export async function sellableProduct(options: {
  admin: string;
  categoryId: string;
  onHand: number;
  /** Price in cents (EUR). */
  amount?: number;
  /** Names the product after the test file that needs it. */
  label: string;
}): Promise<{ id: string; sku: string }> {
  const { admin, categoryId, onHand, amount = 1500, label } = options;
  const sku = `${label.slice(0, 3).toUpperCase()}-${randomUUID().slice(0, 8)}`;
  const product = (
    await api()
      .post('/v1/products')
      .set('Authorization', admin)
      .send({
        sku,
        name: `${label} test ${sku}`,
        description: '',
        categoryId,
        price: { amount, currency: 'EUR' },
        status: 'active',
      })
      .expect(201)
  ).body as { id: string };
  await eventually(
    () => api().get(`/v1/inventory/${sku}`).set('Authorization', admin),
    (r) => r.status === 200,
    { what: `inventory's stock row for ${sku}` },
  );
  const prober = await customerBearer();
  const probe = await eventually(
    () =>
      api()
        .post('/v1/orders')
        .set('Authorization', prober)
        .set('Idempotency-Key', randomUUID())
        .send({ lines: [{ productId: product.id, quantity: 1 }], paymentMethod: 'pm_card_ok' }),
    (r) => r.status === 201,
    { what: `ordering's projection of ${sku}` },
  );
  await eventually(
    () =>
      api()
        .get(`/v1/orders/${probe.body.id as string}`)
        .set('Authorization', prober),
    (r) => r.status === 200 && (r.body as { status: string }).status === 'cancelled',
    { what: `the probe order for ${sku}` },
  );
  await api().put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand }).expect(200);
  return { id: product.id, sku };
}
