import { IdentityError } from './identity-errors';

const SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An email address as identity stores it: trimmed and lower-cased, so uniqueness ignores case. */
export class EmailAddress {
  private constructor(readonly value: string) {}

  static parse(raw: string): EmailAddress {
    const value = raw.trim().toLowerCase();
    if (value.length > 254 || !SHAPE.test(value))
      throw new IdentityError('invalid-email', 'email must be a valid address');
    return new EmailAddress(value);
  }
}
