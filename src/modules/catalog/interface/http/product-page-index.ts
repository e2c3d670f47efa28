import { Injectable } from '@nestjs/common';

const CAPACITY = 10_000;

/**
 * Which cached list page a URL was answered with, recorded once the controller validated it:
 * the same URL validates the same way, so a hit skips validation. Oldest forgotten first.
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
