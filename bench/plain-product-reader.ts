/**
 * `PORT=… DATABASE_URL=… node dist-test/bench/plain-product-reader.js`: the least a Node
 * server can do for an uncached `GET /v1/products/:id`: plain Fastify, one node-postgres pool
 * of the app's size, the app's own SELECT as a prepared statement (as the app runs it), the row
 * as JSON. No validation, cache, auth,
 * metrics or replica routing. The suite's ceiling for `product-uncached` on the same core.
 */
import Fastify from 'fastify';
import { Pool } from 'pg';
import { PRODUCT_BY_ID_SQL } from '#app/modules/catalog/infrastructure/postgres-product-store';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 5),
});
const server = Fastify();
server.get<{ Params: { id: string } }>('/v1/products/:id', async (request, reply) => {
  const { rows } = await pool.query({ name: 'product-by-id', text: PRODUCT_BY_ID_SQL, values: [request.params.id] });
  if (rows.length === 0) return reply.code(404).send({ status: 404 });
  return rows[0] as object;
});
void server.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
