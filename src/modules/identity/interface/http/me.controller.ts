import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthUser } from '#libs/auth';
import { GetUser, type UserView } from '../../application/queries/get-user.handler';
import { IdentityProblemsInterceptor } from './identity-problems.interceptor';

@ApiTags('identity')
@ApiBearerAuth()
@UseInterceptors(IdentityProblemsInterceptor)
@Controller('v1/me')
export class MeController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  me(@CurrentUser() user: AuthUser): Promise<UserView> {
    return this.queries.execute(new GetUser(user.id));
  }
}
