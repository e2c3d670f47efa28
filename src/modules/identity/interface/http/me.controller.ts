import { Controller, Get, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthUser } from '#libs/auth';
import { ApiProblems } from '#libs/http';
import { GetUser, type UserView } from '../../application/queries/get-user.handler';
import { IdentityProblemsFilter } from './identity-problems.filter';
import { UserResponse } from './identity.responses';

@ApiTags('identity')
@ApiBearerAuth()
@UseFilters(IdentityProblemsFilter)
@Controller('v1/me')
export class MeController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  @ApiOperation({ operationId: 'getMe', summary: 'The account of the access token' })
  @ApiOkResponse({ type: UserResponse, description: 'The caller, with its roles as stored now.' })
  @ApiProblems({ 404: ['user-not-found'] })
  me(@CurrentUser() user: AuthUser): Promise<UserView> {
    return this.queries.execute(new GetUser(user.id));
  }
}
