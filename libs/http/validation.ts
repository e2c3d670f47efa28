import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { FieldViolation, ValidationProblem } from '#libs/problems';

function violations(errors: ValidationError[], parent = ''): FieldViolation[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      // class-validator says "property x should not exist" for unknown fields; say it plainly.
      message: message.startsWith(`property ${error.property} should not exist`) ? 'unknown field' : message,
    }));
    return [...own, ...violations(error.children ?? [], field)];
  });
}

/** Rejects unknown fields and names each bad field in a validation problem. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new ValidationProblem(violations(errors)),
  });
}
