import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { eventually } from './eventually';

/**
 * An active product created through the catalog, in a category of its own, with `onHand`
 * units counted in inventory (once inventory has the SKU's stock row, or by creating it).
 */
export async function stockedProduct(
  baseUrl: string,
  admin: string,
  options: { readonly label: string; readonly name?: string; readonly onHand: number; readonly amount?: number },
): Promise<{ readonly productId: string; readonly sku: string }> {
  const { label, onHand, amount = 1500 } = options;
  const categoryId = (
    await request(baseUrl)
      .post('/v1/categories')
      .set('Authorization', admin)
      .send({ name: label, slug: `${label.toLowerCase()}-${randomUUID().slice(0, 8)}` })
      .expect(201)
  ).body.id as string;
  const sku = `${label.slice(0, 3).toUpperCase()}-${randomUUID().slice(0, 8)}`;
  const productId = (
    await request(baseUrl)
      .post('/v1/products')
      .set('Authorization', admin)
      .send({
        sku,
        name: options.name ?? `${label} ${sku}`,
        description: '',
        categoryId,
        price: { amount, currency: 'EUR' },
        status: 'active',
      })
      .expect(201)
  ).body.id as string;
  await eventually(
    () => request(baseUrl).put(`/v1/inventory/${sku}`).set('Authorization', admin).send({ onHand }),
    (r) => r.status === 200,
    { what: `inventory's stock row for ${sku}` },
  );
  return { productId, sku };
}
