import { Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { JWK } from 'jose';
import { ADMIN_ROLE, Public, Roles } from '#libs/auth';
import { RotateSigningKey } from '../../application/commands/rotate-signing-key.handler';
import { SigningKeyStore } from '../../infrastructure/signing-key-store';

@ApiTags('identity')
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
  async jwks(): Promise<{ keys: readonly JWK[] }> {
    if (this.keys.publicKeys().length === 0) await this.keys.refresh();
    return { keys: this.keys.publicKeys() };
  }

  @ApiBearerAuth()
  @Roles(ADMIN_ROLE)
  @Post('v1/admin/signing-keys/rotate')
  @HttpCode(200)
  rotate(): Promise<{ kid: string }> {
    return this.commands.execute(new RotateSigningKey());
  }
}
