import { HttpStatus } from '@nestjs/common';
import { domainProblems } from '#libs/http';
import { ProblemException, ValidationProblem } from '#libs/problems';
import { InventoryError } from '../../domain/inventory-errors';

/** Maps the module's domain errors to problem+json with stable types. */
export const InventoryProblemsFilter = domainProblems(InventoryError, toProblem);

function toProblem(error: InventoryError): ProblemException {
  switch (error.code) {
    case 'stock-not-found':
      return new ProblemException('stock-not-found', HttpStatus.NOT_FOUND, 'No stock for this SKU', error.message);
    case 'below-reserved':
      return new ProblemException(
        'below-reserved',
        HttpStatus.CONFLICT,
        'On hand cannot go below what is reserved',
        error.message,
      );
    case 'below-zero':
      return new ProblemException('below-zero', HttpStatus.CONFLICT, 'On hand cannot go below zero', error.message);
    case 'stock-limit':
      return new ProblemException('stock-limit', HttpStatus.CONFLICT, 'Too many units for one SKU', error.message);
    case 'malformed-cursor':
      return new ValidationProblem([{ field: 'cursor', message: error.message }]);
  }
}
