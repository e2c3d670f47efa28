import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { EntityManager } from 'typeorm';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** The key access tokens are signed with, and the public keys that verify them. */
export abstract class SigningKeyStore {
  abstract signingKey(): Promise<SigningKey>;
  abstract publicKeys(): readonly JWK[];
  abstract refresh(): Promise<void>;
  /**
   * Retires the signing key for a new one, in the caller's transaction; returns its kid. This
   * process signs with it after the commit and a `refresh`. Refused when AUTH_PRIVATE_KEY
   * provides the key.
   */
  abstract rotate(manager: EntityManager): Promise<string>;
}
