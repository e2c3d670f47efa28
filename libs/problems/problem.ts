import { HttpException, HttpStatus } from '@nestjs/common';

/** RFC 9457 problem details, as sent with `Content-Type: application/problem+json`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://tessera.dev/problems/';

/** Stable problem type URI for a slug; clients may switch on it. */
export function problemType(slug: string): string {
  return `${TYPE_BASE}${slug}`;
}

/**
 * An error that knows its problem type. Domain-facing code throws these (or subclasses);
 * the filter turns them into problem+json unchanged.
 */
export class ProblemException extends HttpException {
  constructor(
    readonly slug: string,
    status: HttpStatus,
    readonly title: string,
    detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title, status);
  }
}

export interface FieldViolation {
  readonly field: string;
  readonly message: string;
}

export class ValidationProblem extends ProblemException {
  constructor(readonly violations: FieldViolation[]) {
    const first = violations[0];
    super(
      'validation-error',
      HttpStatus.BAD_REQUEST,
      'Request validation failed',
      first ? `${first.field}: ${first.message}` : 'the request is invalid',
      { errors: violations },
    );
  }
}
