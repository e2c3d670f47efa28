import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from '../support/app-process';
import { ApiContract, type OpenApiDocument } from '../support/api-contract';
import { recordApiExchanges, type ApiExchange } from '../support/api-exchanges';

/**
 * Every response an e2e test receives must be one the API document describes (docs/openapi.json,
 * the whole API whichever process answered): checked after each test file, failing it otherwise.
 */

/** Routes of the deployment that are not the API: the test fixture modules and the scrape endpoint. */
const NOT_API = [/^\/v1\/(notes|tally|echo)(\/|$)/, /^\/metrics$/, /^\/docs(-json)?$/];
const ROUTE_NOT_FOUND = 'https://tessera.dev/problems/route-not-found';

const exchanges: ApiExchange[] = [];
recordApiExchanges((exchange) => exchanges.push(exchange));

afterAll(() => {
  const document = JSON.parse(readFileSync(resolve(ROOT, 'docs/openapi.json'), 'utf8')) as OpenApiDocument;
  const contract = new ApiContract(document);
  const failures = exchanges.flatMap((exchange) => {
    const path = exchange.url.split('?')[0]!;
    if (NOT_API.some((pattern) => pattern.test(path))) return [];
    return contract.violations(exchange) ?? unrouted(exchange);
  });
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} responses the API document does not describe:\n${[...new Set(failures)].join('\n')}`,
    );
  }
});

/** A path no operation serves is answered 404 `route-not-found` (or 405), and nothing else. */
function unrouted(exchange: ApiExchange): string[] {
  const body =
    typeof exchange.body === 'string' && exchange.body.startsWith('{')
      ? (JSON.parse(exchange.body) as { type?: string })
      : {};
  if ((exchange.status === 404 && body.type === ROUTE_NOT_FOUND) || exchange.status === 405) return [];
  return [`${exchange.method} ${exchange.url} -> ${exchange.status}: no operation serves this path`];
}
