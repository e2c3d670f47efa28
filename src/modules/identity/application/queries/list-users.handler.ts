import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { UserStore } from '../ports/user-store';
import type { UserView } from './get-user.handler';

export interface UserPage {
  readonly items: (UserView & { createdAt: string })[];
  readonly next: string | null;
}

export class ListUsers extends Query<UserPage> {
  constructor(
    readonly limit: number,
    readonly after: { createdAt: string; id: string } | undefined,
  ) {
    super();
  }
}

/** Keyset pagination on (created_at, id): stable while accounts are being created. */
@QueryHandler(ListUsers)
export class ListUsersHandler implements IQueryHandler<ListUsers> {
  constructor(private readonly users: UserStore) {}

  async execute(query: ListUsers): Promise<UserPage> {
    const rows = await this.users.page(query.limit + 1, query.after);
    const items = rows
      .slice(0, query.limit)
      .map((u) => ({ id: u.id, email: u.email, roles: u.roles, createdAt: u.createdAt.toISOString() }));
    const last = items[items.length - 1];
    const next =
      rows.length > query.limit && last
        ? Buffer.from(JSON.stringify({ createdAt: last.createdAt, id: last.id })).toString('base64url')
        : null;
    return { items, next };
  }
}
