import { Controller, Delete, Get, Param, ParseUUIDPipe, Put, Query, UseFilters } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_ROLE, Roles } from '#libs/auth';
import { ApiProblems, PageQuery, ValidationProblem } from '#libs/http';
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
    return this.queries.execute(new ListUsers(query.limit, decodeCursor(query.cursor)));
  }

  @Put(':id/roles/admin')
  @ApiOperation({ operationId: 'grantAdminRole', summary: 'Make an account an admin' })
  @ApiOkResponse({ type: UserResponse, description: 'The account; its next access token carries the role.' })
  @ApiProblems({ 404: ['user-not-found'] })
  grant(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    return this.commands.execute(new ChangeAdminRole(id, true));
  }

  @Delete(':id/roles/admin')
  @ApiOperation({ operationId: 'revokeAdminRole', summary: 'Take the admin role from an account' })
  @ApiOkResponse({ type: UserResponse, description: 'The account; its next access token lacks the role.' })
  @ApiProblems({ 404: ['user-not-found'] })
  revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserView> {
    return this.commands.execute(new ChangeAdminRole(id, false));
  }
}

/** What `toISOString` writes (years 0000-9999): the only timestamps a cursor of ours carries. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function decodeCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      createdAt?: unknown;
      id?: unknown;
    };
    // Only what this route wrote: anything else would reach PostgreSQL as a bad timestamp or uuid.
    if (
      typeof value.createdAt === 'string' &&
      ISO_INSTANT.test(value.createdAt) &&
      new Date(value.createdAt).toISOString() === value.createdAt &&
      typeof value.id === 'string' &&
      UUID.test(value.id)
    ) {
      return { createdAt: value.createdAt, id: value.id };
    }
  } catch {
    // reported below
  }
  throw new ValidationProblem([{ field: 'cursor', message: 'cursor is malformed' }]);
}
