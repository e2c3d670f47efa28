import { Controller, Get, Header, HttpCode, Post, UseFilters } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { ADMIN_ROLE, CurrentUser, Public, Roles, type AuthUser } from '#libs/auth';
import { ApiProblems, responseHeaders } from '#libs/http';
import { RotateSigningKey } from '../../application/commands/rotate-signing-key.handler';
import { SigningKeyStore } from '../../application/ports/signing-key-store';
import { IdentityProblemsFilter } from './identity-problems.filter';
import { JsonWebKeySetResponse, SigningKeyRotationResponse } from './identity.responses';

@ApiTags('identity')
@UseFilters(IdentityProblemsFilter)
@Controller()
export class SigningKeysController {
  constructor(
    private readonly commands: CommandBus,
    private readonly keys: SigningKeyStore,
  ) {}

  /** Public keys any module (or anyone) verifies access tokens with. */
  @Public()
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ operationId: 'getJsonWebKeySet', summary: 'The public keys that verify access tokens (JWKS)' })
  @ApiOkResponse({
    type: JsonWebKeySetResponse,
    description: 'The signing key and those retired within an access token lifetime.',
    headers: responseHeaders('Cache-Control'),
  })
  async jwks(): Promise<{ keys: readonly JWK[] }> {
    if (this.keys.publicKeys().length === 0) await this.keys.refresh();
    return { keys: this.keys.publicKeys() };
  }

  /** A new signing key now; 409 `signing-key-managed-by-setting` when AUTH_PRIVATE_KEY provides the key. */
  @ApiBearerAuth()
  @Roles(ADMIN_ROLE)
  @Post('v1/admin/signing-keys/rotate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateSigningKey', summary: 'Sign access tokens with a new key from now on' })
  @ApiOkResponse({ type: SigningKeyRotationResponse, description: 'The new key; tokens signed before stay valid.' })
  @ApiProblems({ 403: ['forbidden'], 409: ['signing-key-managed-by-setting'] })
  rotate(@CurrentUser() caller: AuthUser): Promise<{ kid: string }> {
    return this.commands.execute(new RotateSigningKey(caller.id));
  }
}
