import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath, type ResponseObject } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { problemType } from '#libs/problems';
import { ProblemSchema } from './problem.schema';
import { responseHeaders } from './response-headers';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Problem slugs an operation can answer, by status: `{ 404: ['order-not-found'] }`. */
export type ProblemSlugs = Readonly<Record<number, readonly string[]>>;

/**
 * A problem+json response whose `type` is one of `slugs`: the document lists every type a
 * client may switch on, and the contract test refuses any other.
 */
export function problemResponse(status: number, slugs: readonly string[]): ResponseObject {
  const types = [...new Set(slugs)].map(problemType);
  return {
    description: `${STATUS_CODES[status] ?? 'Error'}: ${[...new Set(slugs)].map((slug) => `\`${slug}\``).join(', ')}`,
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: { allOf: [{ $ref: getSchemaPath(ProblemSchema) }, { properties: { type: { enum: types } } }] },
      },
    },
    ...problemHeaders(status, slugs),
  };
}

/** The errors an operation answers beyond those every operation of its kind can (documentPlatformResponses). */
export function ApiProblems(slugs: ProblemSlugs): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(slugs).map(([status, types]) =>
      ApiResponse({ status: Number(status), ...problemResponse(Number(status), types) }),
    ),
  );
}

/** The conflicts that end by themselves, whose answer says when to ask again. */
const CONFLICTS_WITH_RETRY_AFTER: ReadonlySet<string> = new Set(['idempotency-key-in-use']);

/** The headers a problem of this status (and these types) carries. */
function problemHeaders(status: number, slugs: readonly string[]): Pick<ResponseObject, 'headers'> {
  if (status === 401) return { headers: responseHeaders('WWW-Authenticate') };
  const retryLater =
    status === 429 || status === 503 || (status === 409 && slugs.some((slug) => CONFLICTS_WITH_RETRY_AFTER.has(slug)));
  return retryLater ? { headers: responseHeaders('Retry-After') } : {};
}
