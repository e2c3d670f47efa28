import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** The key access tokens are signed with, and the public keys that verify them. */
export abstract class SigningKeyStore {
  abstract signingKey(): Promise<SigningKey>;
  abstract publicKeys(): readonly JWK[];
  abstract refresh(): Promise<void>;
  /** Signs with a new key from now on; returns its kid. Refused when AUTH_PRIVATE_KEY provides the key. */
  abstract rotate(): Promise<string>;
}
