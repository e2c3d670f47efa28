import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/problems';
import { CatalogError } from '../../domain/catalog-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const CatalogProblemsFilter = domainProblems(CatalogError, toProblem);

function toProblem(error: CatalogError): ProblemException {
  switch (error.code) {
    case 'invalid-price':
      return new ValidationProblem([{ field: 'price', message: error.message }]);
    case 'malformed-cursor':
      return new ValidationProblem([{ field: 'cursor', message: error.message }]);
    case 'unknown-category':
      return new ProblemException(
        'unknown-category',
        HttpStatus.UNPROCESSABLE_ENTITY,
        'Unknown category',
        error.message,
      );
    case 'sku-taken':
      return new ProblemException('sku-taken', HttpStatus.CONFLICT, 'SKU already used', error.message);
    case 'slug-taken':
      return new ProblemException('slug-taken', HttpStatus.CONFLICT, 'Slug already used', error.message);
    case 'product-not-found':
      return new ProblemException('product-not-found', HttpStatus.NOT_FOUND, 'Product not found', error.message);
    case 'stale-product':
      return new ProblemException(
        'precondition-failed',
        HttpStatus.PRECONDITION_FAILED,
        'Precondition Failed',
        error.message,
      );
    case 'invalid-transition':
      return new ProblemException(
        'invalid-transition',
        HttpStatus.CONFLICT,
        'Not allowed in this state',
        error.message,
      );
  }
}
