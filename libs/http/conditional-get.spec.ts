import { bodyEtag } from './conditional-get';

describe('bodyEtag', () => {
  it('is a strong ETag that follows the content, whether the body object is new or reused', () => {
    const page = { items: [{ id: 'a', price: 100 }], next: null };
    const etag = bodyEtag(page);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(bodyEtag(page)).toBe(etag);
    expect(bodyEtag({ items: [{ id: 'a', price: 100 }], next: null })).toBe(etag);
    expect(bodyEtag({ items: [{ id: 'a', price: 101 }], next: null })).not.toBe(etag);
    expect(bodyEtag('text')).toBe(bodyEtag('text'));
  });
});
