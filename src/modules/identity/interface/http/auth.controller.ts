import { Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Public, type AuthUser } from '#libs/auth';
import { RateLimitGroup } from '#libs/http';
import { LogIn } from '../../application/commands/log-in.handler';
import { LogOut } from '../../application/commands/log-out.handler';
import { RefreshSession } from '../../application/commands/refresh-session.handler';
import { RegisterUser, type RegisteredUser } from '../../application/commands/register-user.handler';
import type { Session } from '../../application/session-issuer';
import { CredentialsDto, RefreshTokenDto, SessionDto } from './auth.dto';
import { IdentityProblemsFilter } from './identity-problems.filter';

@ApiTags('identity')
@UseFilters(IdentityProblemsFilter)
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly commands: CommandBus) {}

  @Public()
  @RateLimitGroup('auth')
  @Post('register')
  register(@Body() body: CredentialsDto): Promise<RegisteredUser> {
    return this.commands.execute(new RegisterUser(body.email, body.password));
  }

  @Public()
  @RateLimitGroup('auth')
  @Post('login')
  @HttpCode(200)
  logIn(@Body() body: CredentialsDto): Promise<SessionDto> {
    return this.commands.execute(new LogIn(body.email, body.password)).then(toDto);
  }

  @Public()
  @RateLimitGroup('auth')
  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() body: RefreshTokenDto): Promise<SessionDto> {
    return this.commands.execute(new RefreshSession(body.refreshToken)).then(toDto);
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(204)
  async logOut(@CurrentUser() user: AuthUser, @Body() body: RefreshTokenDto): Promise<void> {
    await this.commands.execute(new LogOut(user.id, body.refreshToken));
  }
}

function toDto(session: Session): SessionDto {
  return { accessToken: session.accessToken, refreshToken: session.refreshToken, expiresIn: session.expiresIn };
}
