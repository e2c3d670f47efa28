import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { claims, signEdDSA } from '../support/forge-token';
import { queueBackends } from '../support/queue-backends';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { reportGoal } from './shop';

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly query: readonly string[];
  readonly hasBody: boolean;
}

interface Outcome {
  readonly what: string;
  readonly status: number;
  readonly contentType: string;
}

const PATH_VALUES = [
  randomUUID(),
  'not-a-uuid',
  '%00',
  '%',
  '%zz',
  'x'.repeat(3000),
  '..%2F..%2Fetc',
  '%F0%9F%98%80',
  '-1',
];
const QUERY_VALUES = [
  '',
  'abc',
  '-1',
  '0',
  '1e23',
  '99999999999999999999',
  '%00',
  '%ud800',
  'x'.repeat(5000),
  "'; DROP TABLE x;--",
  '[]',
  '!@#$%^&*()',
];
const WRONG_VALUES: unknown[] = [null, true, -1, 1e308, 'x'.repeat(100_000), 'a\u0000b', '\ud800', [], {}, [[[[]]]]];

/** A JSON text nested `depth` arrays deep. */
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Bodies every operation that takes one is sent: malformed, wrong in shape, hostile in content. */
function bodies(sample: Record<string, unknown>): { what: string; raw: string; type?: string }[] {
  const out: { what: string; raw: string; type?: string }[] = [
    { what: 'empty object', raw: '{}' },
    { what: 'array', raw: '[]' },
    { what: 'null', raw: 'null' },
    { what: 'string', raw: '"text"' },
    { what: 'malformed', raw: '{"a":' },
    { what: 'nested 10,000 deep', raw: `{"a":${deep(10_000)}}` },
    { what: 'unknown field', raw: JSON.stringify({ ...sample, surprise: 1 }) },
    { what: 'proto key', raw: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}' },
    { what: 'form body', raw: 'a=1&b=2', type: 'application/x-www-form-urlencoded' },
    { what: 'text body', raw: 'hello', type: 'text/plain' },
    { what: 'oversized', raw: JSON.stringify({ blob: 'x'.repeat(2_000_000) }) },
  ];
  for (const field of Object.keys(sample)) {
    for (const [i, value] of WRONG_VALUES.entries()) {
      out.push({ what: `${field} = wrong value ${i}`, raw: JSON.stringify({ ...sample, [field]: value }) });
    }
  }
  return out;
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
}

/**
 * Sends a request and resolves with the answer's status and content type as soon as it
 * arrives: a refused upload (413) is answered while its body is still going out.
 */
function answerOf(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer | Error> {
  return new Promise((resolve) => {
    const sent = httpRequest(url, { method, headers, timeout: 15_000 }, (response) => {
      response.resume();
      response.on('error', () => undefined);
      resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '' });
    });
    sent.on('timeout', () => sent.destroy(new Error('no answer within 15 s')));
    // After the answer, a write cut short changes nothing: the promise is settled.
    sent.on('error', (error) => resolve(error));
    sent.end(body);
  });
}

/** A plausible body for an operation, from the request schema's property names (values are strings). */
function sampleBody(schema: unknown, components: Record<string, unknown>): Record<string, unknown> {
  let resolved = schema as { $ref?: string; properties?: Record<string, unknown> } | undefined;
  if (resolved?.$ref) resolved = components[resolved.$ref.split('/').pop()!] as typeof resolved;
  return Object.fromEntries(Object.keys(resolved?.properties ?? {}).map((name) => [name, 'sample']));
}

/**
 * Every operation of /docs-json sent malformed and hostile input, with no token, forged,
 * expired and real ones: no answer may be a 5xx, every request gets an answer, and every 4xx
 * is problem+json.
 */
describe('fault: every operation fuzzed', () => {
  const backend = queueBackends().find((b) => b.name === 'redis')!;
  const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const otherKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  let db: TestDatabase;
  let app: AppProcess;

  beforeAll(async () => {
    db = await createTestDatabase('fuzz');
    app = await startApp({
      entry: 'main',
      env: {
        DATABASE_URL: db.url,
        ...backend.env(),
        ADMIN_EMAILS: ADMIN_EMAIL,
        AUTH_PRIVATE_KEY: signingKeyPem,
        LOG_LEVEL: 'warn',
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await backend.cleanup();
    await db?.drop();
  });

  it('answers every request, never with a 5xx, and every 4xx as problem+json', async () => {
    const admin = `Bearer ${(await adminSession(app.url)).accessToken}`;
    const kid = ((await request(app.url).get('/.well-known/jwks.json')).body as { keys: { kid: string }[] }).keys[0]!
      .kid;
    const now = Math.floor(Date.now() / 1000);
    const tokens: Record<string, string | undefined> = {
      none: undefined,
      admin,
      customer: `Bearer ${signEdDSA(signingKeyPem, claims({ sub: randomUUID(), exp: now + 600 }), { kid })}`,
      'forged key': `Bearer ${signEdDSA(otherKeyPem, claims({ sub: randomUUID(), exp: now + 600 }), { kid })}`,
      expired: `Bearer ${signEdDSA(signingKeyPem, claims({ sub: randomUUID(), iat: now - 7200, nbf: now - 7200, exp: now - 3600 }), { kid })}`,
      'sub not a uuid': `Bearer ${signEdDSA(signingKeyPem, claims({ sub: 'not-a-uuid\u0000', exp: now + 600 }), { kid })}`,
      garbage: 'Bearer abc.def.ghi',
    };
    const document = (await request(app.url).get('/docs-json').expect(200)).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: { in: string; name: string }[];
            requestBody?: { content?: Record<string, { schema?: unknown }> };
          }
        >
      >;
      components?: { schemas?: Record<string, unknown> };
    };
    const components = document.components?.schemas ?? {};
    const operations: (Operation & { sample: Record<string, unknown> })[] = Object.entries(document.paths).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          hasBody: op.requestBody !== undefined,
          sample: sampleBody(op.requestBody?.content?.['application/json']?.schema, components),
        })),
    );
    expect(operations.length).toBeGreaterThan(30);

    const cases: {
      what: string;
      method: string;
      url: string;
      token?: string;
      body?: { raw: string; type?: string };
    }[] = [];
    const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, value);
    for (const op of operations) {
      const valid = fill(op.path, randomUUID());
      for (const [name, token] of Object.entries(tokens)) {
        cases.push({ what: `${op.method} ${op.path} as ${name}`, method: op.method, url: valid, token });
      }
      if (op.path.includes('{')) {
        for (const value of PATH_VALUES) {
          cases.push({
            what: `${op.method} ${op.path} with ${value.slice(0, 20)}`,
            method: op.method,
            url: fill(op.path, value),
            token: admin,
          });
        }
      }
      for (const name of op.query) {
        for (const value of QUERY_VALUES) {
          cases.push({
            what: `${op.method} ${op.path}?${name}=${value.slice(0, 20)}`,
            method: op.method,
            url: `${valid}?${name}=${encodeURIComponent(value).replace('%25ud800', '%ud800')}`,
            token: admin,
          });
        }
      }
      if (op.hasBody) {
        for (const body of bodies(op.sample)) {
          for (const token of [admin, tokens.customer]) {
            cases.push({
              what: `${op.method} ${op.path} body ${body.what}`,
              method: op.method,
              url: valid,
              token,
              body,
            });
          }
        }
      }
    }
    // Beyond any one operation: hostile URLs, methods and headers.
    cases.push(
      {
        what: 'URL of 70 KB',
        method: 'POST',
        url: `/v1/admin/dead-letters/replay?${'a'.repeat(70_000)}`,
        token: admin,
      },
      { what: 'unknown method', method: 'PROPFIND', url: '/v1/products' },
      { what: 'bad escape', method: 'GET', url: '/v1/products/%' },
    );

    const failures: string[] = [];
    const notProblem: string[] = [];
    const outcomes: Outcome[] = [];
    const send = (c: (typeof cases)[number]) =>
      answerOf(
        `${app.url}${c.url}`,
        c.method,
        {
          ...(c.token ? { authorization: c.token } : {}),
          ...(c.body ? { 'content-type': c.body.type ?? 'application/json' } : {}),
          'idempotency-key': randomUUID(),
        },
        c.body?.raw,
      );
    // Not `instanceof Error`: node's errors come from another realm than jest's.
    const answered = (res: Answer | Error): res is Answer => typeof (res as Partial<Answer>).status === 'number';
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < cases.length) {
          const c = cases[next++]!;
          let res = await send(c);
          // A reset before any answer (not the refusal of an upload, which answers first):
          // the request goes again once; a server that is down fails it twice.
          if (!answered(res)) res = await send(c);
          if (!answered(res)) {
            failures.push(`${c.what}: no answer (${res.message})`);
            continue;
          }
          const contentType = res.contentType;
          outcomes.push({ what: c.what, status: res.status, contentType });
          if (res.status >= 500) failures.push(`${c.what}: ${res.status}`);
          else if (res.status >= 400 && !contentType.startsWith('application/problem+json'))
            notProblem.push(`${c.what}: ${res.status} ${contentType}`);
        }
      }),
    );
    reportGoal(
      `fuzzing ${operations.length} operations: ${cases.length} requests, ` +
        `${outcomes.filter((o) => o.status >= 500).length} 5xx (goal 0), ` +
        `${failures.filter((f) => f.includes('no answer')).length} without an answer (goal 0), ` +
        `${notProblem.length} 4xx not problem+json (goal 0)`,
    );
    expect(failures).toEqual([]);
    expect(notProblem).toEqual([]);
  }, 300_000);
});
