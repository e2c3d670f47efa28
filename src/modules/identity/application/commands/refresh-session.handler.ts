import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { IdentityError } from '../../domain/identity-errors';
import { decideRefresh, hashRefreshToken } from '../../domain/refresh-token-rotation';
import { RefreshTokenStore } from '../ports/refresh-token-store';
import { UserStore } from '../ports/user-store';
import { SessionIssuer, type Session } from '../session-issuer';

export class RefreshSession extends Command<Session> {
  constructor(readonly refreshToken: string) {
    super();
  }
}

@CommandHandler(RefreshSession)
export class RefreshSessionHandler implements ICommandHandler<RefreshSession> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: SessionIssuer,
    private readonly tokens: RefreshTokenStore,
    private readonly users: UserStore,
  ) {}

  async execute(command: RefreshSession): Promise<Session> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      // Under the family's lock: a concurrent logout or reuse either revoked the family before
      // (refused here), or waits and revokes the token this rotation adds too.
      const token = await this.tokens.lockFamilyOf(manager, hashRefreshToken(command.refreshToken));
      const decision = decideRefresh(token, new Date());
      if (decision === 'revoke-family' && token) {
        await this.tokens.revokeFamily(manager, token.familyId);
        return undefined;
      }
      if (decision !== 'rotate' || !token) return undefined;
      const user = await this.users.findById(token.userId, manager);
      if (!user) return undefined;
      await this.tokens.markRotated(manager, token.tokenHash);
      // Roles are re-read: a refreshed access token reflects a role change.
      return this.sessions.issue(manager, user, token.familyId);
    });
    if (!outcome)
      throw new IdentityError(
        'invalid-refresh-token',
        'the refresh token is not valid (expired, revoked or already used)',
      );
    return outcome;
  }
}
