import { findUnstorableText, unstorableTextReason } from './unstorable-text';

describe('unstorableTextReason', () => {
  it('accepts ordinary text, emoji (a surrogate pair) and other scripts', () => {
    for (const text of ['', 'desk lamp', 'Größe 42 – ø', '🙂 lamp', '中文', '\uffff']) {
      expect(unstorableTextReason(text)).toBeUndefined();
    }
  });

  it('refuses a NUL and a lone surrogate, high or low, anywhere in the string', () => {
    expect(unstorableTextReason('a\u0000b')).toMatch(/NUL/);
    expect(unstorableTextReason('\ud800')).toMatch(/surrogate/);
    expect(unstorableTextReason('x\udc00')).toMatch(/surrogate/);
    expect(unstorableTextReason('\ud83d\ud83d\ude42')).toMatch(/surrogate/);
    expect(unstorableTextReason('\ude42\ud83d')).toMatch(/surrogate/);
  });
});

describe('findUnstorableText', () => {
  it('names the field the way validation errors do, through objects and arrays', () => {
    const body = { lines: [{ productId: 'ok' }, { productId: 'bad\u0000' }], paymentMethod: 'card' };
    expect(findUnstorableText(body)).toEqual({ field: 'lines.1.productId', message: expect.stringMatching(/NUL/) });
    expect(findUnstorableText({ attributes: { 'col\u0000our': 'red' } })).toEqual({
      field: 'attributes.col\u0000our',
      message: expect.stringMatching(/^field name .*NUL/),
    });
    expect(findUnstorableText(JSON.parse('{"name":"\\ud800"}'))).toEqual({
      field: 'name',
      message: expect.stringMatching(/surrogate/),
    });
  });

  it('names query and path parameters by their name, and a text body as "body"', () => {
    // The query parser's objects: `new Empty()`, whose prototype has no prototype.
    const Empty = function (this: Record<string, unknown>) {} as unknown as new () => Record<string, unknown>;
    Empty.prototype = Object.create(null) as object;
    const query = Object.assign(new Empty(), { q: ['fine', 'x\u0000'] });
    expect(findUnstorableText(query, '')).toMatchObject({ field: 'q.1' });
    const params = Object.assign(Object.create(null) as Record<string, unknown>, { chargeId: 'x\u0000' });
    expect(findUnstorableText(params, '')).toMatchObject({ field: 'chargeId' });
    expect(findUnstorableText({ id: '\u0000' }, '')).toMatchObject({ field: 'id' });
    expect(findUnstorableText('text\u0000')).toMatchObject({ field: 'body' });
  });

  it('finds nothing in clean input, numbers, nulls, buffers or nothing at all', () => {
    expect(findUnstorableText({ a: [1, null, true, { b: 'c' }], d: 'e' })).toBeUndefined();
    expect(findUnstorableText(Buffer.from([0, 0, 0]))).toBeUndefined();
    expect(findUnstorableText(undefined)).toBeUndefined();
    expect(findUnstorableText(null, '')).toBeUndefined();
  });
});
