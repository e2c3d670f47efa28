import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/** Range of a PostgreSQL `integer` (int4) column. */
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;
/** 2^53 − 1: the largest integer JSON carries exactly, so the bound of any client's `bigint`. */
export const SAFE_INTEGER_MAX = Number.MAX_SAFE_INTEGER;

/** `@IsInt()` with its range (`1e23` is an integer to `@IsInt()`); queries still need `@Type(() => Number)`. */
export function IsIntegerBetween(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIntegerBetween',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an integer from $constraint1 to $constraint2`,
          options,
        ),
      },
    },
    options,
  );
}

/** A value for a PostgreSQL `integer` (int4) column. */
export function IsInt32(options?: ValidationOptions): PropertyDecorator {
  return IsIntegerBetween(INT32_MIN, INT32_MAX, options);
}

/** Money in minor units: 0 to 2^53 − 1, which a `bigint` holds and JSON carries exactly. */
export function IsSafeMoneyAmount(options?: ValidationOptions): PropertyDecorator {
  return IsIntegerBetween(0, SAFE_INTEGER_MAX, options);
}
