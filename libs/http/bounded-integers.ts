import { buildMessage, ValidateBy, type ValidationOptions } from 'class-validator';

/** Range of a PostgreSQL `integer` (int4) column. */
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;
/**
 * The largest integer a JSON number carries exactly (2^53 − 1), below a PostgreSQL `bigint`'s
 * 2^63 − 1: the bound of any bigint value that comes from a client.
 */
export const SAFE_INTEGER_MAX = Number.MAX_SAFE_INTEGER;

/**
 * An integer from `min` to `max`, both included: `@IsInt()` with its range in one rule, so a
 * number can never reach a column that cannot hold it (`1e23` is an integer to `@IsInt()`).
 * Query parameters still need `@Type(() => Number)` before it.
 */
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

/**
 * An amount of money in minor units (cents): an integer from 0 to 2^53 − 1, which a `bigint`
 * column holds and JSON carries exactly. A price filter or a price takes this, or a tighter
 * range of its own.
 */
export function IsSafeMoneyAmount(options?: ValidationOptions): PropertyDecorator {
  return IsIntegerBetween(0, SAFE_INTEGER_MAX, options);
}
