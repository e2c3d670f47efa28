import { ApiContract, type OpenApiDocument } from '../support/api-contract';
import type { ApiExchange } from '../support/api-exchanges';

/** The e2e contract check refuses what the document does not describe (and only that). */
const PROBLEM_TYPES = ['https://tessera.dev/problems/order-not-found'];
const document: OpenApiDocument = {
  paths: {
    '/v1/orders/{id}': {
      get: {
        responses: {
          200: {
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
            headers: { ETag: { required: true, schema: { type: 'string' } } },
          },
          404: {
            content: {
              'application/problem+json': {
                schema: {
                  allOf: [{ $ref: '#/components/schemas/Problem' }, { properties: { type: { enum: PROBLEM_TYPES } } }],
                },
              },
            },
          },
          429: { $ref: '#/components/responses/TooManyRequests' },
        },
      },
    },
    '/v1/orders/mine': { get: { responses: { 204: { description: 'nothing' } } } },
  },
  components: {
    schemas: {
      Order: {
        type: 'object',
        required: ['id', 'status'],
        properties: { id: { type: 'string', format: 'uuid' }, status: { enum: ['pending', 'confirmed'] } },
      },
      Problem: {
        type: 'object',
        required: ['type', 'status'],
        properties: { type: { type: 'string' }, status: { type: 'integer' } },
      },
    },
    responses: {
      TooManyRequests: {
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        headers: { 'Retry-After': { schema: { type: 'integer', minimum: 0 } } },
      },
    },
  },
};

const ORDER_ID = '8d7f3c52-2a43-4d0e-9a55-3f1b2f7f4e10';
const json = { 'content-type': 'application/json; charset=utf-8', etag: '"1"' };
const problem = { 'content-type': 'application/problem+json; charset=utf-8' };

function exchange(overrides: Partial<ApiExchange>): ApiExchange {
  return {
    method: 'GET',
    url: `/v1/orders/${ORDER_ID}`,
    status: 200,
    headers: json,
    body: JSON.stringify({ id: ORDER_ID, status: 'pending' }),
    ...overrides,
  };
}

describe('the API contract check', () => {
  const contract = new ApiContract(document);

  it('passes responses the document describes, a literal path before a parameter', () => {
    expect(contract.violations(exchange({}))).toEqual([]);
    expect(contract.violations(exchange({ url: '/v1/orders/mine', status: 204, headers: {}, body: '' }))).toEqual([]);
    const notFound = { type: PROBLEM_TYPES[0], status: 404 };
    expect(contract.violations(exchange({ status: 404, headers: problem, body: JSON.stringify(notFound) }))).toEqual(
      [],
    );
    const limited = { headers: { ...problem, 'retry-after': '3' }, body: '{"type":"x","status":429}' };
    expect(contract.violations(exchange({ status: 429, ...limited }))).toEqual([]);
  });

  it('refuses an undocumented status, member, problem type, content type or header value', () => {
    expect(contract.violations(exchange({ status: 409 }))).toEqual([expect.stringContaining('status not documented')]);
    const extra = JSON.stringify({ id: ORDER_ID, status: 'pending', secret: 1 });
    expect(contract.violations(exchange({ body: extra }))).toEqual([expect.stringContaining('additional properties')]);
    const wrongType = JSON.stringify({ type: 'https://tessera.dev/problems/conflict', status: 404 });
    expect(contract.violations(exchange({ status: 404, headers: problem, body: wrongType }))).toEqual(
      expect.arrayContaining([expect.stringContaining('allowed values')]),
    );
    expect(contract.violations(exchange({ headers: { ...json, 'content-type': 'text/html' } }))).toEqual([
      expect.stringContaining('content type text/html'),
    ]);
    expect(contract.violations(exchange({ headers: { 'content-type': json['content-type'] } }))).toEqual([
      expect.stringContaining('header ETag missing'),
    ]);
    const badRetry = { headers: { ...problem, 'retry-after': 'soon' }, body: '{"type":"x","status":429}' };
    expect(contract.violations(exchange({ status: 429, ...badRetry }))).toEqual([
      expect.stringContaining('Retry-After'),
    ]);
  });

  it('knows no operation for a path the document does not have', () => {
    expect(contract.violations(exchange({ url: '/v1/carts/1' }))).toBeUndefined();
  });
});
