import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenVerifier } from './access-token-verifier';
import { AuthGuard } from './auth.guard';
import { LocalJwks } from './local-jwks';

/** Stateless token verification for every module of the process. */
@Global()
@Module({
  providers: [LocalJwks, AccessTokenVerifier, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [LocalJwks, AccessTokenVerifier],
})
export class AuthModule {}
