/**
 * The deepest nesting of arrays and objects a JSON body may have. No request of the API nests
 * more than a few levels; free-form fields (product attributes) get a generous margin. Deeper
 * bodies would reach Nest's and class-transformer's recursive walks, whose stack overflows
 * ("Maximum call stack size exceeded") somewhere past a few thousand levels.
 */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * True when the JSON text nests arrays and objects deeper than `maxDepth`. A scan of the bytes
 * (brackets outside strings), stopped at the first level too deep: nothing deep is ever built,
 * and it is not fooled by brackets inside strings. Malformed text is left for the parser to
 * refuse.
 */
export function jsonNestsDeeperThan(text: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
