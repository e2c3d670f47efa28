import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import request from 'supertest';
import { ROOT, startApp, type AppProcess } from '../support/app-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * docs/openapi.json is the document the shipped entrypoint serves at /docs-json, and
 * test/client/api.d.ts the client types generated from it: both checked in, both compared
 * here. `npm run openapi` writes them anew after a route changes.
 */
const DOCUMENT = resolve(ROOT, 'docs/openapi.json');
const CLIENT_TYPES = resolve(ROOT, 'test/client/api.d.ts');
const UPDATE = process.env.UPDATE_OPENAPI === '1';

type Response = { content?: Record<string, { schema?: unknown }> };
type Operation = { operationId?: string; tags?: string[]; responses: Record<string, Response | { $ref: string }> };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { responses?: Record<string, Response> };
};

describe('the API document', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let served: string;
  beforeAll(async () => {
    db = await createTestDatabase('openapi');
    app = await startApp({ entry: 'main', env: { DATABASE_URL: db.url } });
    served = `${JSON.stringify((await request(app.url).get('/docs-json').expect(200)).body, null, 2)}\n`;
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('is checked in as docs/openapi.json, with the client types generated from it', () => {
    const types = generatedClientTypes(served);
    if (UPDATE) {
      writeFileSync(DOCUMENT, served);
      writeFileSync(CLIENT_TYPES, types);
    }
    expect(readFileSync(DOCUMENT, 'utf8')).toBe(served);
    expect(readFileSync(CLIENT_TYPES, 'utf8')).toBe(types);
  });

  it('gives every operation a client-friendly id, a tag, a success schema and problem+json errors', () => {
    const document = JSON.parse(served) as Document;
    // A shared response is a reference into components.responses.
    const resolved = (response: Response | { $ref: string } | undefined): Response | undefined =>
      response && '$ref' in response
        ? document.components.responses?.[response.$ref.slice(response.$ref.lastIndexOf('/') + 1)]
        : response;
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, ...operation })),
    );
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    const defects = operations.flatMap((operation) => {
      const found: string[] = [];
      if (!/^[a-z][A-Za-z]+$/.test(operation.operationId ?? '')) found.push(`operation id ${operation.operationId}`);
      if ((operation.tags ?? []).length === 0) found.push('no tag');
      const statuses = Object.keys(operation.responses).map(Number);
      const successes = statuses.filter((status) => status < 300);
      if (successes.length === 0) found.push('no success response');
      for (const status of successes) {
        const content = resolved(operation.responses[status])?.content;
        if (status !== 204 && !Object.values(content ?? {}).some((media) => media.schema))
          found.push(`${status} has no schema`);
      }
      // Probes answer their own 503 as terminus JSON: orchestrators read the status, people the details.
      const probe = operation.tags?.includes('ops') === true;
      for (const status of statuses.filter((status) => status >= 400 && !(probe && status === 503))) {
        if (!resolved(operation.responses[status])?.content?.['application/problem+json']?.schema)
          found.push(`${status} is not problem+json`);
      }
      return found.map((defect) => `${operation.name}: ${defect}`);
    });
    expect(defects).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(42);
  });
});

/** What `openapi-typescript` generates from the document (its CLI, as `npm run openapi` runs it). */
function generatedClientTypes(document: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-openapi-'));
  try {
    const input = join(dir, 'openapi.json');
    const output = join(dir, 'api.d.ts');
    writeFileSync(input, document);
    execFileSync(resolve(ROOT, 'node_modules/.bin/openapi-typescript'), [input, '--output', output], {
      stdio: 'ignore',
    });
    return readFileSync(output, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
