import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
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
