/** Who is calling, as proven by a verified access token. */
export interface AuthUser {
  readonly id: string;
  readonly roles: readonly string[];
  /** The token's `jti`. */
  readonly tokenId: string;
}

export const ADMIN_ROLE = 'admin';
export const CUSTOMER_ROLE = 'customer';

/** Every role identity grants; a token naming any other is refused. */
export const KNOWN_ROLES: readonly string[] = [CUSTOMER_ROLE, ADMIN_ROLE];
