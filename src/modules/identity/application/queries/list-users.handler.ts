import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { decodeUserCursor, encodeUserCursor } from '../../domain/user-cursor';
import { UserStore } from '../ports/user-store';
import type { UserView } from './get-user.handler';

export interface UserPage {
  readonly items: (UserView & { createdAt: string })[];
  readonly next: string | null;
}

export class ListUsers extends Query<UserPage> {
  constructor(
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** Keyset pagination on (created_at, id): stable while accounts are being created. */
@QueryHandler(ListUsers)
export class ListUsersHandler implements IQueryHandler<ListUsers> {
  constructor(private readonly users: UserStore) {}

  async execute(query: ListUsers): Promise<UserPage> {
    const after = query.cursor ? decodeUserCursor(query.cursor) : undefined;
    const rows = await this.users.page(query.limit + 1, after);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((u) => ({ id: u.id, email: u.email, roles: u.roles, createdAt: u.createdAt.toISOString() })),
      next: rows.length > query.limit && last ? encodeUserCursor(last.position) : null,
    };
  }
}
