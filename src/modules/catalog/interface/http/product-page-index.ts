import { Injectable } from '@nestjs/common';

const CAPACITY = 10_000;

/**
 * Which cached list page a request URL (path and query string, as received) was answered
 * with. The controller records it after validating the query and loading the page, so the
 * same URL again can be answered from the cache without parsing or validating it again: the
 * same string always validates the same way. Bounded; the oldest URL is forgotten first, and
 * a URL whose page has since left the cache simply misses.
 */
@Injectable()
export class ProductPageIndex {
  private readonly keys = new Map<string, string>();

  remember(url: string, pageKey: string): void {
    if (this.keys.get(url) === pageKey) return;
    if (this.keys.size >= CAPACITY) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(url, pageKey);
  }

  pageKeyOf(url: string): string | undefined {
    return this.keys.get(url);
  }
}
