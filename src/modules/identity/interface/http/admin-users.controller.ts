import { Controller, Delete, Get, Param, ParseUUIDPipe, Put, Query, UseFilters } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_ROLE, CurrentUser, Roles, type AuthUser } from '#libs/auth';
import { ApiProblems, PageQuery } from '#libs/http';
import { ChangeAdminRole } from '../../application/commands/change-admin-role.handler';
import type { UserView } from '../../application/queries/get-user.handler';
import { ListUsers, type UserPage } from '../../application/queries/list-users.handler';
import { IdentityProblemsFilter } from './identity-problems.filter';
import { UserPageResponse, UserResponse } from './identity.responses';

@ApiTags('identity')
@ApiBearerAuth()
@Roles(ADMIN_ROLE)
@ApiProblems({ 403: ['forbidden'] })
@UseFilters(IdentityProblemsFilter)
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: 'List accounts, oldest first' })
  @ApiOkResponse({ type: UserPageResponse, description: 'A page of accounts.' })
  list(@Query() query: PageQuery): Promise<UserPage> {
    return this.queries.execute(new ListUsers(query.limit, query.cursor));
  }

  @Put(':id/roles/admin')
  @ApiOperation({ operationId: 'grantAdminRole', summary: 'Make an account an admin' })
  @ApiOkResponse({ type: UserResponse, description: 'The account; its next access token carries the role.' })
  @ApiProblems({ 404: ['user-not-found'] })
  grant(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    return this.commands.execute(new ChangeAdminRole(caller.id, id, true));
  }

  @Delete(':id/roles/admin')
  @ApiOperation({ operationId: 'revokeAdminRole', summary: 'Take the admin role from an account' })
  @ApiOkResponse({ type: UserResponse, description: 'The account; its next access token lacks the role.' })
  @ApiProblems({ 404: ['user-not-found'], 409: ['last-admin'] })
  revoke(@CurrentUser() caller: AuthUser, @Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    return this.commands.execute(new ChangeAdminRole(caller.id, id, false));
  }
}
