import type { FieldViolation } from '#libs/problems';

/** A number no column of the API stores: past ±(2^53 − 1), integers are not even exact. */
function unsafeNumber(value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  if (value > Number.MAX_SAFE_INTEGER) return `must not be greater than ${Number.MAX_SAFE_INTEGER}`;
  if (value < -Number.MAX_SAFE_INTEGER) return `must not be less than ${-Number.MAX_SAFE_INTEGER}`;
  return undefined;
}

/** Objects a DTO class made, which are walked; plain objects (free-form JSON fields) are not. */
function isDtoInstance(value: unknown): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype !== Object.prototype && prototype !== null;
}

/**
 * Numbers out of the safe range in a validated value: every number of a DTO (and of the DTOs
 * and arrays it holds), or the value itself. `1e23` is an integer to class-validator's
 * `@IsInt()`, and a query filter without `@Max()` passed it to a bigint parameter: 500.
 * Free-form objects (product attributes) may hold any JSON number and are not walked.
 */
export function unsafeNumbers(value: unknown, field: string): FieldViolation[] {
  const own = unsafeNumber(value);
  if (own) return [{ field, message: `${field} ${own}` }];
  const found: FieldViolation[] = [];
  const stack: { value: unknown; field: string }[] = [{ value, field: '' }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const entries: [string, unknown][] = Array.isArray(frame.value)
      ? frame.value.map((item, index) => [String(index), item])
      : isDtoInstance(frame.value)
        ? Object.entries(frame.value)
        : [];
    for (const [key, item] of entries) {
      const path = frame.field ? `${frame.field}.${key}` : key;
      const message = unsafeNumber(item);
      if (message) found.push({ field: path, message: `${key} ${message}` });
      else if (Array.isArray(item) || isDtoInstance(item)) stack.push({ value: item, field: path });
    }
  }
  return found;
}
