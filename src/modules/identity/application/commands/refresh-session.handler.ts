import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { IdentityError } from '../../domain/identity-errors';
import { decideRefresh } from '../../domain/refresh-token-rotation';
import { RefreshTokenRecord } from '../../infrastructure/refresh-token.record';
import { hashRefreshToken, SessionIssuer, type Session } from '../../infrastructure/session-issuer';
import { UserRecord } from '../../infrastructure/user.record';

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
  ) {}

  async execute(command: RefreshSession): Promise<Session> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const tokens = manager.getRepository(RefreshTokenRecord);
      // Locked so two concurrent uses of one token cannot both rotate it.
      const token = await tokens.findOne({
        where: { tokenHash: hashRefreshToken(command.refreshToken) },
        lock: { mode: 'pessimistic_write' },
      });
      const decision = decideRefresh(token ?? undefined, new Date());
      if (decision === 'revoke-family' && token) {
        await tokens.update({ familyId: token.familyId }, { status: 'revoked' });
        return undefined;
      }
      if (decision !== 'rotate' || !token) return undefined;
      const user = await manager.getRepository(UserRecord).findOneBy({ id: token.userId });
      if (!user) return undefined;
      await tokens.update({ tokenHash: token.tokenHash }, { status: 'rotated' });
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
