import { PageSchema } from '#libs/http';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { RegisteredUser } from '../../application/commands/register-user.handler';
import type { UserView } from '../../application/queries/get-user.handler';
import type { UserPage } from '../../application/queries/list-users.handler';
import type { Session } from '../../application/session-issuer';
import { ADMIN, CUSTOMER } from '../../domain/user-roles';

// Documentation only: the bodies the identity routes answer, kept true to their views by `implements`.

type ListedUser = UserPage['items'][number];

const ROLES = [CUSTOMER, ADMIN];
// No `format: 'email'`: addresses with a UTF-8 local part are accepted, and that format refuses them.
const EMAIL = { description: 'Trimmed and lower-cased as registered.', example: 'ada@example.com' };

@ApiSchema({ name: 'RegisteredUser', description: 'The account just created.' })
export class RegisteredUserResponse implements RegisteredUser {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(EMAIL) email!: string;
}

@ApiSchema({ name: 'Session', description: 'An access token and the refresh token that renews it.' })
export class SessionResponse implements Session {
  @ApiProperty({ description: 'EdDSA-signed JWT; send as `Authorization: Bearer <token>`' }) accessToken!: string;
  @ApiProperty({ description: 'Opaque; rotates on every use.' }) refreshToken!: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Access token lifetime in seconds.', example: 900 })
  expiresIn!: number;
}

@ApiSchema({ name: 'User', description: 'An account and its roles.' })
export class UserResponse implements UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty(EMAIL) email!: string;
  @ApiProperty({ enum: ROLES, isArray: true, description: 'Every account is a `customer`; some are also `admin`.' })
  roles!: string[];
}

@ApiSchema({ name: 'ListedUser', description: 'An account as the admin list shows it.' })
export class ListedUserResponse extends UserResponse implements ListedUser {
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

@ApiSchema({ name: 'UserPage', description: 'Accounts, oldest first.' })
export class UserPageResponse extends PageSchema(ListedUserResponse) implements UserPage {}

@ApiSchema({ name: 'JsonWebKey', description: 'An Ed25519 public key (RFC 8037) that verifies access tokens.' })
export class JsonWebKeyResponse {
  @ApiProperty({ enum: ['OKP'] }) kty!: string;
  @ApiProperty({ enum: ['Ed25519'] }) crv!: string;
  @ApiProperty({ description: 'The public key, base64url.' }) x!: string;
  @ApiProperty({ description: "The key's RFC 7638 thumbprint; access tokens name it in their `kid` header." })
  kid!: string;

  @ApiProperty({ enum: ['EdDSA'] }) alg!: string;
  @ApiProperty({ enum: ['sig'] }) use!: string;
}

@ApiSchema({ name: 'JsonWebKeySet', description: 'The signing key and the recently retired ones (RFC 7517).' })
export class JsonWebKeySetResponse {
  @ApiProperty({ type: [JsonWebKeyResponse] }) keys!: JsonWebKeyResponse[];
}

@ApiSchema({ name: 'SigningKeyRotation', description: 'The key that signs access tokens from now on.' })
export class SigningKeyRotationResponse {
  @ApiProperty({ description: "The new key's id, as published in the JWKS." }) kid!: string;
}
