import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { RefreshTokenRecord } from '../../infrastructure/refresh-token.record';
import { hashRefreshToken } from '../../infrastructure/session-issuer';

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
  constructor(private readonly dataSource: DataSource) {}

  async execute(command: LogOut): Promise<void> {
    const tokens = this.dataSource.getRepository(RefreshTokenRecord);
    const token = await tokens.findOneBy({ tokenHash: hashRefreshToken(command.refreshToken), userId: command.userId });
    if (token) await tokens.update({ familyId: token.familyId }, { status: 'revoked' });
  }
}
