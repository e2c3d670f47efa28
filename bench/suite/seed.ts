import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { claims, signEdDSA } from '../../test/support/forge-token';
import { adminSession } from '../../test/support/sessions';
import { waitFor } from '../lib/processes';

export interface BrowseCatalog {
  readonly categoryIds: readonly string[];
  readonly productIds: readonly string[];
}

/**
 * The browsing catalogue, written straight into catalog's own tables in one statement
 * (10,000 products through the API would take minutes of outbox traffic). Nothing else
 * learns of these products: only catalog serves them, which is all browsing needs.
 */
export async function seedBrowseCatalog(
  databaseUrl: string,
  products: number,
  categories = 10,
): Promise<BrowseCatalog> {
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const categoryIds = Array.from({ length: categories }, () => randomUUID());
    for (const [i, id] of categoryIds.entries())
      await sql.query(`INSERT INTO catalog.categories (id, name, slug, path) VALUES ($1, $2, $3, $4)`, [
        id,
        `Bench ${i}`,
        `bench-${i}`,
        `/${id}/`,
      ]);
    await sql.query(
      `INSERT INTO catalog.products (id, sku, name, description, category_id, category_path, price_amount, currency,
                                     attributes, status, version, created_at, updated_at)
       SELECT gen_random_uuid(), 'BROWSE-' || i, 'Bench product ' || i, 'A product for the benchmark, number ' || i,
              c.id, '/' || c.id || '/', (i * 37) % 100000, 'EUR', '{"colour": "blue"}', 'active', 1,
              now() - make_interval(secs => i), now()
         FROM generate_series(1, $1::int) AS i
         JOIN LATERAL (SELECT ($2::uuid[])[1 + i % array_length($2::uuid[], 1)] AS id) AS c ON true`,
      [products, categoryIds],
    );
    await sql.query('ANALYZE catalog.products');
    const { rows } = await sql.query<{ id: string }>(`SELECT id FROM catalog.products WHERE sku LIKE 'BROWSE-%'`);
    return { categoryIds, productIds: rows.map((r) => r.id) };
  } finally {
    await sql.end();
  }
}

/**
 * Products customers order, created through the admin API so that ordering (prices) and
 * inventory (SKUs) learn them from ProductCreated as in production, each with stock that no
 * run can exhaust.
 */
export async function seedOrderableProducts(baseUrl: string, databaseUrl: string, count: number): Promise<string[]> {
  const admin = `Bearer ${(await adminSession(baseUrl)).accessToken}`;
  const headers = { authorization: admin, 'content-type': 'application/json' };
  const category = (await (
    await fetch(`${baseUrl}/v1/categories`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Orderable', slug: `orderable-${randomUUID().slice(0, 8)}` }),
    })
  ).json()) as { id: string };
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const sku = `ORDERABLE-${i}`;
    const created = await fetch(`${baseUrl}/v1/products`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        sku,
        name: `Orderable product ${i}`,
        description: '',
        categoryId: category.id,
        price: { amount: 1000 + i, currency: 'EUR' },
        status: 'active',
      }),
    });
    if (created.status !== 201) throw new Error(`create ${sku}: ${created.status} ${await created.text()}`);
    ids.push(((await created.json()) as { id: string }).id);
    const stocked = await fetch(`${baseUrl}/v1/inventory/${sku}`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ onHand: 100_000_000 }),
    });
    if (stocked.status !== 200) throw new Error(`stock for ${sku}: ${stocked.status}`);
  }
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    await waitFor(
      async () => Number((await sql.query('SELECT count(*) AS n FROM ordering.products')).rows[0].n) >= count,
      "ordering's product projection",
    );
  } finally {
    await sql.end();
  }
  return ids;
}

/** Bearer tokens of `count` customers, signed with the deployment's own key (no login per user). */
export async function forgeCustomerTokens(baseUrl: string, signingKeyPem: string, count: number): Promise<string[]> {
  const jwks = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  const kid = jwks.keys[0]!.kid;
  const exp = Math.floor(Date.now() / 1000) + 4 * 3600;
  return Array.from(
    { length: count },
    () => `Bearer ${signEdDSA(signingKeyPem, claims({ sub: randomUUID(), exp }), { kid })}`,
  );
}
