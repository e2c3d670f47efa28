import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { hashRefreshToken } from '../../domain/refresh-token-rotation';
import { RefreshTokenStore } from '../ports/refresh-token-store';

export class LogOut extends Command<void> {
  constructor(
    readonly userId: string,
    readonly refreshToken: string,
  ) {
    super();
  }
}

/** Revokes the whole family of the caller's refresh token. Unknown or foreign tokens change nothing. */
@CommandHandler(LogOut)
export class LogOutHandler implements ICommandHandler<LogOut> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: RefreshTokenStore,
  ) {}

  async execute(command: LogOut): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Under the family's lock: a refresh in flight either added its token before, or finds the family revoked.
      const token = await this.tokens.lockFamilyOf(manager, hashRefreshToken(command.refreshToken), command.userId);
      if (token) await this.tokens.revokeFamily(manager, token.familyId);
    });
  }
}
