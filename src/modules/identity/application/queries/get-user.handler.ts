import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { IdentityError } from '../../domain/identity-errors';
import { UserStore } from '../ports/user-store';

export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly roles: readonly string[];
}

export class GetUser extends Query<UserView> {
  constructor(readonly userId: string) {
    super();
  }
}

@QueryHandler(GetUser)
export class GetUserHandler implements IQueryHandler<GetUser> {
  constructor(private readonly users: UserStore) {}

  async execute(query: GetUser): Promise<UserView> {
    const user = await this.users.findById(query.userId);
    if (!user) throw new IdentityError('user-not-found', `user ${query.userId} does not exist`);
    return { id: user.id, email: user.email, roles: user.roles };
  }
}
