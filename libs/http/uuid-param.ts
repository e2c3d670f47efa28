import { ParseUUIDPipe, type ArgumentMetadata } from '@nestjs/common';
import { Transform } from 'class-transformer';

/** One spelling of a UUID: PostgreSQL writes them in lower case, and so do ids this API returns. */
export function canonicalUuid(value: string): string {
  return value.toLowerCase();
}

/**
 * A UUID path parameter, checked as `ParseUUIDPipe` checks it (the same 400), in lower case:
 * PostgreSQL compares uuids in any case, but cache keys, ETags and comparisons in code do not.
 */
export class CanonicalUuidPipe extends ParseUUIDPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<string | undefined | null> {
    const id = await super.transform(value, metadata);
    return typeof id === 'string' ? canonicalUuid(id) : id;
  }
}

/** `CanonicalUuidPipe` for a DTO's property: lower case before its `@IsUUID()` runs. */
export function CanonicalUuid(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? canonicalUuid(value) : value));
}
