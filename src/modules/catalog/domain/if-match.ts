/** One member of an entity-tag list (RFC 9110 §8.8.3): its opaque value, and whether it is weak. */
export interface EntityTag {
  readonly opaque: string;
  readonly weak: boolean;
}

/** Inside the quotes: `%x21 / %x23-7E / obs-text`, so no space, no `"` and no control character. */
const ETAGC = /^[\x21\x23-\x7e\x80-\xff]*$/;
const OWS = /[ \t]/;

/**
 * An `If-Match` field value (RFC 9110 §13.1.1): `*`, or its list of entity tags (empty members
 * and spaces around commas allowed), or undefined when it is neither, which matches nothing.
 */
export function parseIfMatch(value: string): '*' | EntityTag[] | undefined {
  const field = value.trim();
  if (field === '*') return '*';
  const tags: EntityTag[] = [];
  let at = 0;
  const skip = (what: RegExp) => {
    while (at < field.length && what.test(field[at]!)) at++;
  };
  while (at < field.length) {
    skip(/[ \t,]/);
    if (at === field.length) break;
    const weak = field.startsWith('W/', at);
    if (weak) at += 2;
    if (field[at] !== '"') return undefined;
    const close = field.indexOf('"', at + 1);
    if (close < 0) return undefined;
    const opaque = field.slice(at + 1, close);
    if (!ETAGC.test(opaque)) return undefined;
    tags.push({ opaque, weak });
    at = close + 1;
    skip(OWS);
    if (at < field.length && field[at] !== ',') return undefined;
  }
  return tags;
}
