import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../test/support/free-port';
import { pinnedNode, waitForStatus } from './processes';

export interface PlainServer {
  readonly url: string;
  readonly child: ChildProcess;
}

const CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * The floor a framework is measured against: a server that answers every GET with a fixed
 * JSON body and does nothing else, pinned to the core the app under test uses.
 */
export async function startPlainServer(kind: 'fastify' | 'node-http', body: string, cores = '0'): Promise<PlainServer> {
  const port = await freePort();
  const source =
    kind === 'fastify'
      ? `const f=require('fastify')();const b=${JSON.stringify(body)};` +
        `f.get('/*',(q,r)=>{r.header('content-type',${JSON.stringify(CONTENT_TYPE)});return b});` +
        `f.listen({port:${port},host:'127.0.0.1'})`
      : `const b=${JSON.stringify(body)};const l=Buffer.byteLength(b);` +
        `require('node:http').createServer((q,r)=>{r.writeHead(200,{'content-type':${JSON.stringify(CONTENT_TYPE)},'content-length':l});r.end(b)})` +
        `.listen(${port},'127.0.0.1')`;
  const child = pinnedNode(cores, ['-e', source]);
  const url = `http://127.0.0.1:${port}`;
  await waitForStatus(`${url}/`, 200, 20_000);
  return { url, child };
}

/**
 * The ceiling for an uncached product read: `bench/plain-product-reader.ts` (plain Fastify,
 * node-postgres, the app's SELECT) against the app's own database, on the app's core.
 */
export async function startPlainProductReader(databaseUrl: string, probeId: string, cores = '0'): Promise<PlainServer> {
  const port = await freePort();
  const child = pinnedNode(cores, [join(__dirname, '..', 'plain-product-reader.js')], {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForStatus(`${url}/v1/products/${probeId}`, 200, 20_000);
  return { url, child };
}

/**
 * The ceiling for accepting an order: `bench/plain-order-writer.ts` on the app's core, against
 * copies of ordering's tables (its products included) in a schema of their own in the app's
 * database, so the app's relay never publishes what it writes.
 */
export async function startPlainOrderWriter(databaseUrl: string, cores = '0'): Promise<PlainServer> {
  const schema = 'bench_plain_order_writer';
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    await sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    for (const table of ['products', 'orders', 'idempotency_keys', 'outbox'])
      await sql.query(`CREATE TABLE ${schema}.${table} (LIKE ordering.${table} INCLUDING ALL)`);
    await sql.query(`INSERT INTO ${schema}.products SELECT * FROM ordering.products`);
  } finally {
    await sql.end();
  }
  const port = await freePort();
  const child = pinnedNode(cores, [join(__dirname, '..', 'plain-order-writer.js')], {
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    SCHEMA: schema,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForStatus(`${url}/health/live`, 200, 20_000);
  return { url, child };
}

export interface OtlpSink extends PlainServer {
  /** What the sink has received so far: export requests, spans in them, and exports it could not read. */
  counts(): Promise<{ requests: number; spans: number; rejected: number }>;
}

/** The collector of the tracing runs: `bench/otlp-sink.ts`, on the load generator's core. */
export async function startOtlpSink(cores = '1'): Promise<OtlpSink> {
  const port = await freePort();
  const child = pinnedNode(cores, [join(__dirname, '..', 'otlp-sink.js')], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitForStatus(`${url}/count`, 200, 20_000);
  return {
    url,
    child,
    counts: async () => (await (await fetch(`${url}/count`)).json()) as Awaited<ReturnType<OtlpSink['counts']>>,
  };
}
