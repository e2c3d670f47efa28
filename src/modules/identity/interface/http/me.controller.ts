import { Controller, Get, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthUser } from '#libs/auth';
import { GetUser, type UserView } from '../../application/queries/get-user.handler';
import { IdentityProblemsFilter } from './identity-problems.filter';

@ApiTags('identity')
@ApiBearerAuth()
@UseFilters(IdentityProblemsFilter)
@Controller('v1/me')
export class MeController {
  constructor(private readonly queries: QueryBus) {}

  @Get()
  me(@CurrentUser() user: AuthUser): Promise<UserView> {
    return this.queries.execute(new GetUser(user.id));
  }
}
