/** Who is calling, as proven by a verified access token. */
export interface AuthUser {
  readonly id: string;
  readonly roles: readonly string[];
  /** The token's `jti`. */
  readonly tokenId: string;
}

export const ADMIN_ROLE = 'admin';
