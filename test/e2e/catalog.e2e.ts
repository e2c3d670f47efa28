import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { POSTGRES_REPLICA_URL } from '../support/services';
import { adminToken, api, target } from './target';

const PROBLEM = 'application/problem+json; charset=utf-8';

describe(`catalog (${target.topology})`, () => {
  let bearer: string;
  const unique = randomUUID().slice(0, 8);
  /** The newest Consistency-Token: reads send it so no replica or cache answers from before our writes. */
  let token = '';
  const remember = <T extends { headers: Record<string, string | undefined> }>(response: T): T => {
    if (response.headers['consistency-token']) token = response.headers['consistency-token'];
    return response;
  };
  const read = (path: string) => api().get(path).set('Consistency-Token', token);

  const createCategory = async (name: string, parentId?: string) =>
    remember(
      await api()
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name, slug: `${name.toLowerCase()}-${unique}`, ...(parentId ? { parentId } : {}) })
        .expect(201),
    ).body as { id: string };
  const createProduct = async (categoryId: string, name: string, amount: number, extra: Record<string, unknown> = {}) =>
    api()
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: `${name.replace(/\W/g, '')}-${randomUUID().slice(0, 8)}`,
        name,
        description: `${name} for the catalog tests`,
        categoryId,
        price: { amount, currency: 'EUR' },
        status: 'active',
        ...extra,
      })
      .expect(201)
      .then(remember);

  beforeAll(async () => {
    bearer = `Bearer ${await adminToken()}`;
  });

  it('filters by category (with descendants), price and text, and sorts by price', async () => {
    const lighting = await createCategory('Lighting');
    const lamps = await createCategory('Lamps', lighting.id);
    const other = await createCategory('Garden');
    await createProduct(lamps.id, `Brass desk lamp ${unique}`, 4900);
    await createProduct(lighting.id, `Ceiling light ${unique}`, 12900);
    await createProduct(other.id, `Garden hose ${unique}`, 2500);
    await createProduct(lamps.id, `Draft lamp ${unique}`, 100, { status: 'draft' });

    const inLighting = await read(`/v1/products?category=${lighting.id}&sort=price_asc`).expect(200);
    expect(inLighting.body.items.map((p: { name: string }) => p.name)).toEqual([
      `Brass desk lamp ${unique}`,
      `Ceiling light ${unique}`,
    ]);
    const cheap = await read(`/v1/products?category=${lighting.id}&maxPrice=5000`).expect(200);
    expect(cheap.body.items).toHaveLength(1);
    const searched = await read(`/v1/products?q=${encodeURIComponent(`brass ${unique}`)}`).expect(200);
    expect(searched.body.items.map((p: { name: string }) => p.name)).toEqual([`Brass desk lamp ${unique}`]);
    const categories = await read('/v1/categories').expect(200);
    expect(categories.body.items).toEqual(
      expect.arrayContaining([{ id: lamps.id, name: 'Lamps', slug: `lamps-${unique}`, parentId: lighting.id }]),
    );
  });

  it('serves a product with a strong ETag and Cache-Control, 304 on If-None-Match, and guards updates with If-Match', async () => {
    const category = await createCategory('Etags');
    const created = await createProduct(category.id, `Etag chair ${unique}`, 9900, {
      attributes: { legs: 4, finish: { wood: 'oak' } },
    });
    const first = await read(`/v1/products/${created.body.id}`).expect(200);
    expect(created.headers['consistency-token']).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    // The read side's own SELECT gives the product field for field as the write answered it.
    expect(first.body).toEqual(created.body);
    expect(first.body).toMatchObject({ price: { amount: 9900, currency: 'EUR' }, attributes: { legs: 4 } });
    expect(first.headers.etag).toBe(created.headers.etag);
    expect(first.headers['cache-control']).toMatch(
      /^public, max-age=\d+, stale-while-revalidate=\d+, stale-if-error=\d+$/,
    );
    const notModified = await read(`/v1/products/${created.body.id}`)
      .set('If-None-Match', first.headers.etag!)
      .expect(304);
    expect(notModified.text).toBe('');

    await api()
      .patch(`/v1/products/${created.body.id}`)
      .set('Authorization', bearer)
      .send({ name: 'No precondition' })
      .expect(428)
      .then(remember);
    const updated = await api()
      .patch(`/v1/products/${created.body.id}`)
      .set('Authorization', bearer)
      .set('If-Match', first.headers.etag!)
      .send({ price: { amount: 8900, currency: 'EUR' } })
      .expect(200)
      .then(remember);
    expect(updated.body).toMatchObject({ version: 2, price: { amount: 8900, currency: 'EUR' } });
    expect(updated.headers.etag).not.toBe(first.headers.etag);
    const stale = await api()
      .patch(`/v1/products/${created.body.id}`)
      .set('Authorization', bearer)
      .set('If-Match', first.headers.etag!)
      .send({ name: 'Lost update' })
      .expect(412)
      .then(remember);
    expect(stale.headers['content-type']).toBe(PROBLEM);
    await read(`/v1/products/${created.body.id}`).set('If-None-Match', first.headers.etag!).expect(200);

    await api().delete(`/v1/products/${created.body.id}`).set('Authorization', bearer).expect(204).then(remember);
    const archived = await read(`/v1/products/${created.body.id}`).expect(200);
    expect(archived.body.status).toBe('archived');
    const listed = await read(`/v1/products?category=${category.id}`).expect(200);
    expect(listed.body.items).toEqual([]);
  });

  it('walks every product exactly once with cursor pagination while products are inserted mid-walk', async () => {
    const category = await createCategory('Walk');
    const originals: string[] = [];
    for (let i = 0; i < 11; i++)
      originals.push((await createProduct(category.id, `Walker ${i} ${unique}`, 1000 + i)).body.id);
    for (const sort of ['newest', 'price_asc']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const response: { body: { items: { id: string }[]; next: string | null } } = await read(
          `/v1/products?category=${category.id}&limit=4&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`,
        ).expect(200);
        seen.push(...response.body.items.map((p) => p.id));
        cursor = response.body.next;
        if (page++ === 1) await createProduct(category.id, `Late ${sort} ${unique}`, 1005);
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(originals));
    }
  });

  it('walks products of one price exactly once, a page at a time, in every sort', async () => {
    const category = await createCategory('Ties');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createProduct(category.id, `Tied ${i} ${unique}`, 777)).body.id);
    for (const sort of ['newest', 'price_asc', 'price_desc']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const response: { body: { items: { id: string }[]; next: string | null } } = await read(
          `/v1/products?category=${category.id}&limit=1&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`,
        ).expect(200);
        seen.push(...response.body.items.map((p) => p.id));
        cursor = response.body.next;
      } while (cursor && seen.length <= ids.length);
      expect({ sort, seen: [...seen].sort() }).toEqual({ sort, seen: [...ids].sort() });
    }
  });

  it('rejects bad input with problem+json', async () => {
    const category = await createCategory('Bad');
    const negative = await api()
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: `neg-${unique}`,
        name: 'Negative',
        description: '',
        categoryId: category.id,
        price: { amount: -5, currency: 'EUR' },
      })
      .expect(400)
      .then(remember);
    expect(negative.headers['content-type']).toBe(PROBLEM);
    expect(negative.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'price.amount' })]));
    const unknownCategory = await api()
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: `unk-${unique}`,
        name: 'Orphan',
        description: '',
        categoryId: randomUUID(),
        price: { amount: 5, currency: 'EUR' },
      })
      .expect(422)
      .then(remember);
    expect(unknownCategory.body.type).toBe('https://tessera.dev/problems/unknown-category');
    // A refused write changed nothing: no consistency token to wait for.
    expect(negative.headers['consistency-token']).toBeUndefined();
    expect(unknownCategory.headers['consistency-token']).toBeUndefined();
    await read('/v1/products?limit=1000').expect(400);
    await read('/v1/products?limit=101').expect(400);
    await read('/v1/products?limit=100').expect(200);
    const cursor = await read('/v1/products?cursor=bm90LWEtY3Vyc29y').expect(400);
    expect(cursor.body.errors[0].field).toBe('cursor');
    await read(`/v1/products?category=${randomUUID()}`).expect(422);
    const duplicate = await createProduct(category.id, `Dup ${unique}`, 100);
    const again = await api()
      .post('/v1/products')
      .set('Authorization', bearer)
      .send({
        sku: duplicate.body.sku,
        name: 'Dup',
        description: '',
        categoryId: category.id,
        price: { amount: 1, currency: 'EUR' },
      })
      .expect(409)
      .then(remember);
    expect(again.body.type).toBe('https://tessera.dev/problems/sku-taken');
  });

  it('reads its own writes with the consistency token, even while the streaming replica is paused', async () => {
    const category = await createCategory('Paused');
    // Only the replicated and split deployments read from the replica; single has none to pause.
    const replica = target.topology === 'single' ? undefined : new Client({ connectionString: POSTGRES_REPLICA_URL });
    await replica?.connect();
    try {
      await replica?.query('SELECT pg_wal_replay_pause()');
      for (let i = 0; i < 5; i++) {
        const created = await createProduct(category.id, `Fresh ${i} ${unique}`, 700 + i);
        const seen = await read(`/v1/products/${created.body.id}`).expect(200);
        expect(seen.body.name).toBe(`Fresh ${i} ${unique}`);
        const listed = await read(`/v1/products?category=${category.id}&limit=100`).expect(200);
        expect(listed.body.items).toHaveLength(i + 1);
      }
    } finally {
      await replica?.query('SELECT pg_wal_replay_resume()');
      await replica?.end();
    }
  });

  it('keeps writes to admins', async () => {
    await api().post('/v1/products').send({}).expect(401).then(remember);
    await api().post('/v1/categories').send({ name: 'x', slug: 'x' }).expect(401).then(remember);
  });
});
