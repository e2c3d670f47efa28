import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { FieldViolation, ValidationProblem } from '#libs/problems';
import { unsafeNumbers } from './unsafe-numbers';

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

/**
 * Nest's ValidationPipe, strict (unknown fields rejected, every bad field named in one
 * validation problem), which also refuses numbers past ±(2^53 − 1) wherever a DTO declares
 * one, since no column of the API (bigint at most) can take them.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => new ValidationProblem(violations(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result: unknown = await super.transform(value, metadata);
    if (metadata.type === 'custom') return result;
    const unsafe = unsafeNumbers(result, metadata.data ?? metadata.type);
    if (unsafe.length > 0) throw new ValidationProblem(unsafe);
    return result;
  }
}

/** Rejects unknown fields and names each bad field in a validation problem. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe();
}
