import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/problems';
import { CatalogError } from '../../domain/catalog-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const CatalogProblemsFilter = domainProblems(CatalogError, toProblem);

/** Errors in a field of the request: a 400 naming the field. */
const FIELDS = { 'invalid-price': 'price', 'malformed-cursor': 'cursor' } as const;

/** The others: problem type, status and title. */
const PROBLEMS: Record<Exclude<CatalogError['code'], keyof typeof FIELDS>, [string, HttpStatus, string]> = {
  'unknown-category': ['unknown-category', HttpStatus.UNPROCESSABLE_ENTITY, 'Unknown category'],
  'sku-taken': ['sku-taken', HttpStatus.CONFLICT, 'SKU already used'],
  'slug-taken': ['slug-taken', HttpStatus.CONFLICT, 'Slug already used'],
  'product-not-found': ['product-not-found', HttpStatus.NOT_FOUND, 'Product not found'],
  'stale-product': ['precondition-failed', HttpStatus.PRECONDITION_FAILED, 'Precondition Failed'],
  'invalid-transition': ['invalid-transition', HttpStatus.CONFLICT, 'Not allowed in this state'],
};

function toProblem(error: CatalogError): ProblemException {
  if (error.code === 'invalid-price' || error.code === 'malformed-cursor') {
    return new ValidationProblem([{ field: FIELDS[error.code], message: error.message }]);
  }
  const [type, status, title] = PROBLEMS[error.code];
  return new ProblemException(type, status, title, error.message);
}
