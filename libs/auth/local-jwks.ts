import { Injectable } from '@nestjs/common';
import type { JWK } from 'jose';

/** Public signing keys as identity publishes them. */
export interface JwksProvider {
  publicKeys(): readonly JWK[];
  /** Re-reads the keys (another replica may have rotated); resolves when done. */
  refresh(): Promise<void>;
}

/**
 * Where the identity module, when it runs in this process, hands its public keys to the
 * verifier: tokens are then checked without any network call. Without it, the verifier
 * fetches AUTH_JWKS_URL.
 */
@Injectable()
export class LocalJwks {
  private provider: JwksProvider | undefined;

  register(provider: JwksProvider): void {
    this.provider = provider;
  }

  get current(): JwksProvider | undefined {
    return this.provider;
  }
}
