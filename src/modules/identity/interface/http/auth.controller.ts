import { Body, Controller, Header, HttpCode, Post, UseFilters } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, Public, type AuthUser } from '#libs/auth';
import { ApiProblems, RateLimitGroup, responseHeaders } from '#libs/http';
import { LogIn } from '../../application/commands/log-in.handler';
import { LogOut } from '../../application/commands/log-out.handler';
import { RefreshSession } from '../../application/commands/refresh-session.handler';
import { RegisterUser, type RegisteredUser } from '../../application/commands/register-user.handler';
import type { Session } from '../../application/session-issuer';
import { CredentialsDto, RefreshTokenDto } from './auth.dto';
import { IdentityProblemsFilter } from './identity-problems.filter';
import { RegisteredUserResponse, SessionResponse } from './identity.responses';

/** Responses carrying tokens must not be stored by any cache (RFC 6749 §5.1). */
const NO_STORE = 'no-store';

@ApiTags('identity')
@UseFilters(IdentityProblemsFilter)
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly commands: CommandBus) {}

  @Public()
  @RateLimitGroup('auth')
  @Post('register')
  @ApiOperation({ operationId: 'register', summary: 'Create an account' })
  @ApiCreatedResponse({ type: RegisteredUserResponse, description: 'The account; log in to get tokens.' })
  @ApiProblems({ 409: ['email-taken'] })
  register(@Body() body: CredentialsDto): Promise<RegisteredUser> {
    return this.commands.execute(new RegisterUser(body.email, body.password));
  }

  @Public()
  @RateLimitGroup('auth')
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', NO_STORE)
  @ApiOperation({ operationId: 'logIn', summary: 'Log in with email and password' })
  @ApiOkResponse({ type: SessionResponse, description: 'A new session.', headers: responseHeaders('Cache-Control') })
  @ApiProblems({ 401: ['invalid-credentials'] })
  logIn(@Body() body: CredentialsDto): Promise<SessionResponse> {
    return this.commands.execute(new LogIn(body.email, body.password)).then(toResponse);
  }

  @Public()
  @RateLimitGroup('auth')
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', NO_STORE)
  @ApiOperation({ operationId: 'refreshSession', summary: 'Trade a refresh token for new tokens' })
  @ApiOkResponse({
    type: SessionResponse,
    description: 'The session renewed; the refresh token sent is used up.',
    headers: responseHeaders('Cache-Control'),
  })
  @ApiProblems({ 401: ['invalid-refresh-token'] })
  refresh(@Body() body: RefreshTokenDto): Promise<SessionResponse> {
    return this.commands.execute(new RefreshSession(body.refreshToken)).then(toResponse);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ operationId: 'logOut', summary: "End the session of a refresh token (the caller's own)" })
  @ApiNoContentResponse({ description: 'Its refresh tokens are revoked; an unknown token changes nothing.' })
  async logOut(@CurrentUser() user: AuthUser, @Body() body: RefreshTokenDto): Promise<void> {
    await this.commands.execute(new LogOut(user.id, body.refreshToken));
  }
}

function toResponse(session: Session): SessionResponse {
  return { accessToken: session.accessToken, refreshToken: session.refreshToken, expiresIn: session.expiresIn };
}
