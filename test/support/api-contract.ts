import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ApiExchange } from './api-exchanges';

interface Operation {
  readonly template: string;
  readonly pattern: RegExp;
  readonly literalSegments: number;
  readonly method: string;
  readonly responses: Record<string, DocumentedResponse | { $ref: string }>;
}

interface DocumentedResponse {
  readonly content?: Record<string, { schema?: unknown }>;
  readonly headers?: Record<string, { required?: boolean; schema?: unknown }>;
}

export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, unknown>>;
  readonly components?: { schemas?: Record<string, unknown>; responses?: Record<string, DocumentedResponse> };
}

/** Components whose objects may carry members the document does not name (problem extensions). */
const OPEN_SCHEMAS = new Set(['Problem']);

/**
 * Checks exchanges against an OpenAPI document: the operation exists, the status is documented,
 * the content type is one documented for it, the body validates against its schema (documented
 * objects are closed: an undocumented member fails), and documented headers match theirs.
 */
export class ApiContract {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addSchema({ components: { schemas: closed(document.components?.schemas ?? {}) } }, 'doc');
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const responses = (operation as { responses?: Operation['responses'] }).responses;
        if (!responses) continue;
        const segments = template.split('/');
        this.operations.push({
          template,
          method: method.toUpperCase(),
          responses,
          literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
          pattern: new RegExp(`^${segments.map((s) => (s.startsWith('{') ? '[^/]+' : escape(s))).join('/')}/?$`),
        });
      }
    }
    // A literal route wins over a parameter at the same place, as in the router.
    this.operations.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  /** What is wrong with the exchange, or nothing; `undefined` when no operation serves its path. */
  violations(exchange: ApiExchange): string[] | undefined {
    const path = exchange.url.split('?')[0]!;
    const operation = this.operations.find((op) => op.method === exchange.method && op.pattern.test(path));
    if (!operation) return undefined;
    const where = `${exchange.method} ${operation.template} -> ${exchange.status}`;
    const response = this.resolved(operation.responses[String(exchange.status)]);
    if (!response) return [`${where}: status not documented`];
    if (exchange.status === 304 || exchange.method === 'HEAD') return this.headerViolations(where, response, exchange);
    const mediaType = headerValue(exchange.headers['content-type'])?.split(';')[0]?.trim();
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      return hasBody(exchange.body) ? [`${where}: a body (${mediaType}) where none is documented`] : [];
    }
    if (!mediaType || !(mediaType in content))
      return [`${where}: content type ${mediaType ?? 'none'}, documented ${Object.keys(content).join(', ')}`];
    const body = parsed(exchange.body);
    const validate = this.validatorFor(content[mediaType]!.schema);
    const errors = validate && !validate(body) ? (validate.errors ?? []) : [];
    return [
      ...errors.map((error) => `${where}: body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`),
      ...this.headerViolations(where, response, exchange),
    ];
  }

  private headerViolations(where: string, response: DocumentedResponse, exchange: ApiExchange): string[] {
    const problems: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = headerValue(exchange.headers[name.toLowerCase()]);
      if (value === undefined) {
        if (header.required) problems.push(`${where}: header ${name} missing`);
        continue;
      }
      const schema = header.schema as { type?: string } | undefined;
      const typed = schema?.type === 'integer' || schema?.type === 'number' ? Number(value) : value;
      if (schema && !this.ajv.validate(schema, typed))
        problems.push(`${where}: header ${name}: ${value} is not ${JSON.stringify(schema)}`);
    }
    return problems;
  }

  /** A response, or the one in `components.responses` it refers to. */
  private resolved(response: DocumentedResponse | { $ref: string } | undefined): DocumentedResponse | undefined {
    if (!response || !('$ref' in response)) return response;
    return this.document.components?.responses?.[response.$ref.slice(response.$ref.lastIndexOf('/') + 1)];
  }

  private validatorFor(schema: unknown): ValidateFunction | undefined {
    if (schema === undefined) return undefined;
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebased(schema));
      this.validators.set(key, validate);
    }
    return validate;
  }
}

/** Documented objects are closed: an object schema naming its properties admits no other member. */
function closed(schemas: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const object = schema as { properties?: unknown; additionalProperties?: unknown };
      return [
        name,
        object.properties && object.additionalProperties === undefined && !OPEN_SCHEMAS.has(name)
          ? { ...object, additionalProperties: false }
          : schema,
      ];
    }),
  );
}

/** The response schema with its `#/components/...` references pointing into the document. */
function rebased(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', '"$ref":"doc#/')) as Record<string, unknown>;
}

function parsed(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function hasBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return false;
  if (typeof body === 'object' && Object.keys(body).length === 0 && !Array.isArray(body)) return false;
  return true;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
