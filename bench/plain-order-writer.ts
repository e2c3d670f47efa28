/**
 * `PORT=… DATABASE_URL=… SCHEMA=… node dist-test/bench/plain-order-writer.js`: the least a
 * Node server can do to accept an order as issue #6 asks: plain Fastify and one node-postgres
 * pool of the app's size; the price from ordering's product copy, read once and then kept in
 * memory as Tessera's `ProductCopyCache` keeps it, then ONE prepared statement that checks the
 * kept copy is still at its version, claims the idempotency key with its response and writes
 * the order and its `OrderPlaced` outbox row, all committed together (one round trip and one
 * commit per order once the product is kept), then a
 * NOTIFY for the relay after the commit, one in flight at a time, as Tessera's
 * `OutboxDoorbell` (a NOTIFY inside the statement would serialize the commits). No JWT
 * verification (the caller is the token's `sub`, unchecked), no validation beyond the shape,
 * no metrics, no consistency token.
 * The suite's ceiling for `place-order` on the same core, against copies of ordering's tables
 * in `SCHEMA` (so the app's relay never sees its events).
 */
import { createHash, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'pg';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 5),
});

/** The schema of the copies of ordering's tables: every statement names it, as the app's name `ordering`. */
const SCHEMA = process.env.SCHEMA ?? 'ordering';

const PRODUCT_SQL = `SELECT sku, name, price_amount, currency, status, version FROM ${SCHEMA}.products WHERE product_id = $1::uuid`;
const PLACE_SQL = `
  WITH unchanged AS (SELECT 1 FROM ${SCHEMA}.products WHERE product_id = $14::uuid AND version = $15::int),
  claimed AS (
    INSERT INTO ${SCHEMA}.idempotency_keys (scope, key, request_hash, state, response_status, response_body, created_at, expires_at)
    SELECT $1::text, $2::text, $3::text, 'completed', 201, $4::jsonb, $5::timestamptz, $5::timestamptz + interval '24 hours'
      FROM unchanged
    ON CONFLICT DO NOTHING RETURNING 1),
  placed AS (
    INSERT INTO ${SCHEMA}.orders (id, customer_id, status, lines, total_amount, currency, payment_method, version, created_at, updated_at)
    SELECT $6::uuid, $7::uuid, 'pending', $8::jsonb, $9::bigint, $10::text, $11::text, 1, $5::timestamptz, $5::timestamptz
      FROM claimed RETURNING id),
  announced AS (
    INSERT INTO ${SCHEMA}.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload)
    SELECT $12::uuid, 'OrderPlaced', 1, $6::text, 1, $13::jsonb FROM placed)
  SELECT 1 FROM placed`;
const NOTIFY_SQL = `SELECT pg_notify('tessera_plain_order_writer', 'ordering')`;

let notifying = false;
let notifyAgain = false;
/** One NOTIFY in flight; whatever commits meanwhile shares the next. */
function wakeRelay(): void {
  if (notifying) {
    notifyAgain = true;
    return;
  }
  notifying = true;
  void pool
    .query({ name: 'notify', text: NOTIFY_SQL })
    .catch(() => undefined)
    .finally(() => {
      notifying = false;
      if (notifyAgain) {
        notifyAgain = false;
        wakeRelay();
      }
    });
}

interface PlaceOrderBody {
  readonly lines?: readonly { readonly productId?: string; readonly quantity?: number }[];
  readonly paymentMethod?: string;
}

interface ProductRow {
  sku: string;
  name: string | null;
  price_amount: string | null;
  currency: string | null;
  status: string;
  version: number;
}

/** Products for sale as last read, by id: a kept copy costs no read (its version is checked in PLACE_SQL). */
const kept = new Map<string, ProductRow>();

/** The token's subject, unverified: verifying is part of what Tessera pays and this does not. */
function callerOf(authorization: string | undefined): string | undefined {
  const payload = authorization?.split('.')[1];
  if (!payload) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: string };
  return claims.sub;
}

const server = Fastify();
server.get('/health/live', () => ({ status: 'ok' }));
server.post<{ Body: PlaceOrderBody }>('/v1/orders', async (request, reply) => {
  const key = request.headers['idempotency-key'];
  const customerId = callerOf(request.headers.authorization);
  const line = request.body.lines?.[0];
  if (typeof key !== 'string' || !customerId || request.body.lines?.length !== 1 || !line?.productId)
    return reply.code(400).send({ status: 400 });
  const quantity = line.quantity ?? 0;
  let product = kept.get(line.productId);
  if (!product) {
    const { rows } = await pool.query<ProductRow>({ name: 'product', text: PRODUCT_SQL, values: [line.productId] });
    product = rows[0];
    if (product?.status === 'active') kept.set(line.productId, product);
  }
  if (!product || product.status !== 'active' || product.price_amount === null || quantity < 1)
    return reply.code(422).send({ status: 422 });
  const unitPrice = { amount: Number(product.price_amount), currency: product.currency };
  const lines = [
    {
      productId: line.productId,
      sku: product.sku,
      name: product.name,
      quantity,
      unitPrice,
      lineTotal: { amount: unitPrice.amount * quantity, currency: product.currency },
    },
  ];
  const id = randomUUID();
  const now = new Date();
  const total = { amount: unitPrice.amount * quantity, currency: product.currency };
  const order = {
    id,
    customerId,
    status: 'pending',
    lines,
    total,
    paymentMethod: request.body.paymentMethod,
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const body = JSON.stringify(order);
  const requestHash = createHash('sha256').update(JSON.stringify(request.body)).digest('base64url');
  const event = JSON.stringify({
    orderId: id,
    customerId,
    lines: [{ productId: line.productId, sku: product.sku, quantity }],
    total,
    paymentMethod: request.body.paymentMethod,
  });
  const written = await pool.query({
    name: 'place',
    text: PLACE_SQL,
    values: [
      customerId,
      key,
      requestHash,
      body,
      now,
      id,
      customerId,
      JSON.stringify(lines),
      total.amount,
      total.currency,
      request.body.paymentMethod,
      randomUUID(),
      event,
      line.productId,
      product.version,
    ],
  });
  // A key taken, or a kept copy that moved (Tessera reads it again; the bench changes no product).
  if (written.rowCount !== 1) return reply.code(409).send({ status: 409 });
  wakeRelay();
  return reply.code(201).header('content-type', 'application/json; charset=utf-8').send(body);
});
void server.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
