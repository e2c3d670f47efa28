/**
 * `PORT=… node dist-test/bench/otlp-sink.js`: the collector the suite's tracing runs export to.
 * A real OTLP/HTTP receiver that answers every `POST /v1/traces` as a collector does and only
 * counts what arrived (`GET /count`: requests and spans), in a process of its own so that
 * reading the exports never holds up the load generator's event loop.
 */
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { spansInExport } from './lib/otlp-spans';

const counts = { requests: 0, spans: 0, rejected: 0 };

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.method === 'GET' && request.url === '/count') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
      return;
    }
    counts.requests++;
    try {
      const body = Buffer.concat(chunks);
      const raw = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      if (request.url !== '/v1/traces') throw new Error(`not a trace export: ${request.url}`);
      counts.spans += spansInExport(raw, request.headers['content-type']);
      // An empty ExportTraceServiceResponse: full success, in either encoding.
      const json = request.headers['content-type']?.includes('json');
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : Buffer.alloc(0));
    } catch {
      counts.rejected++;
      response.writeHead(400).end();
    }
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
