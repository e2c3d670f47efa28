import type { FieldViolation } from '#libs/problems';

/** A NUL or any UTF-16 surrogate: the characters worth a closer look (almost never present). */
// eslint-disable-next-line no-control-regex -- finding the NUL is the point
const SUSPECT = /[\u0000\ud800-\udfff]/;
/** A surrogate that is not half of a pair, which UTF-8 cannot encode. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const NUL_MESSAGE = 'must not contain NUL characters (\\u0000)';
const SURROGATE_MESSAGE = 'must be valid Unicode: it contains an unpaired UTF-16 surrogate';

/** Why PostgreSQL would refuse this text: no NUL in `text`/`jsonb`, and a lone surrogate has no UTF-8. */
export function unstorableTextReason(text: string): string | undefined {
  if (!SUSPECT.test(text)) return undefined;
  if (text.includes('\u0000')) return NUL_MESSAGE;
  return LONE_SURROGATE.test(text) ? SURROGATE_MESSAGE : undefined;
}

/** Objects parsed from JSON, queries or forms (incl. the query parser's `new Empty()`); a Buffer is not walked. */
function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

interface Frame {
  readonly value: object;
  readonly field: string | undefined;
}

function join(parent: string | undefined, key: string): string {
  return parent === undefined || parent === '' ? key : `${parent}.${key}`;
}

/** The first string or field name PostgreSQL would refuse, named as a validation error would (`lines.0.productId`). */
export function findUnstorableText(value: unknown, field?: string): FieldViolation | undefined {
  if (typeof value === 'string') {
    const message = unstorableTextReason(value);
    return message ? { field: field ?? 'body', message } : undefined;
  }
  if (typeof value !== 'object' || value === null || !isPlainContainer(value)) return undefined;
  const stack: Frame[] = [{ value, field }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const container = frame.value;
    const keys = Array.isArray(container) ? undefined : Object.keys(container);
    const length = keys ? keys.length : (container as unknown[]).length;
    for (let i = 0; i < length; i++) {
      const key = keys ? keys[i]! : String(i);
      if (keys) {
        const keyMessage = unstorableTextReason(key);
        if (keyMessage) return { field: join(frame.field, key), message: `field name ${keyMessage}` };
      }
      const item: unknown = (container as Record<string, unknown>)[key];
      if (typeof item === 'string') {
        const message = unstorableTextReason(item);
        if (message) return { field: join(frame.field, key), message };
      } else if (typeof item === 'object' && item !== null && isPlainContainer(item)) {
        stack.push({ value: item, field: join(frame.field, key) });
      }
    }
  }
  return undefined;
}
