import { jsonNestsDeeperThan, MAX_JSON_DEPTH } from './json-depth';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonNestsDeeperThan', () => {
  it('lets a body through up to the limit and refuses one level more, of arrays or objects', () => {
    expect(jsonNestsDeeperThan(bytes(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
    const objects = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    expect(jsonNestsDeeperThan(bytes(objects(3)), 3)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(objects(4)), 3)).toBe(true);
  });

  it('counts depth, not brackets: many siblings at one level are fine', () => {
    expect(jsonNestsDeeperThan(bytes(`[${'[1],'.repeat(10_000)}[2]]`), 2)).toBe(false);
    expect(jsonNestsDeeperThan(bytes('{"lines":[{"productId":"x","quantity":1},{"productId":"y"}]}'), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ text: '[[[[[[[[{{{{{{' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(JSON.stringify({ text: 'a \\" [[[[ \\\\' })), 1)).toBe(false);
    expect(jsonNestsDeeperThan(bytes(`{"a":"\\"","b":[[[]]]}`), 3)).toBe(true);
  });

  it('stops at the first level too deep of a 10,000-deep body', () => {
    expect(jsonNestsDeeperThan(bytes(nested(10_000)), MAX_JSON_DEPTH)).toBe(true);
  });
});
