import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

/** The documented shape of a cursor page of `item` (page-query.ts is its request side). */
export function PageSchema<T>(item: Type<T>): Type<{ items: T[]; next: string | null }> {
  class Page {
    @ApiProperty({ type: [item] })
    items!: T[];

    @ApiProperty({ type: String, nullable: true, description: 'The `cursor` of the next page; null on the last.' })
    next!: string | null;
  }
  return Page;
}
