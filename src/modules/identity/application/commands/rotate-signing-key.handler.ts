import { Logger } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { assertStillAdmin } from '../../domain/admin-role-change';
import { SigningKeyStore } from '../ports/signing-key-store';
import { UserStore } from '../ports/user-store';

export class RotateSigningKey extends Command<{ kid: string }> {
  /** Who asks: its access token said admin, its stored roles must say so too. */
  constructor(readonly callerId: string) {
    super();
  }
}

@CommandHandler(RotateSigningKey)
export class RotateSigningKeyHandler implements ICommandHandler<RotateSigningKey> {
  private readonly logger = new Logger('SigningKeys');

  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: SigningKeyStore,
    private readonly users: UserStore,
  ) {}

  async execute(command: RotateSigningKey): Promise<{ kid: string }> {
    const kid = await this.dataSource.transaction(async (manager) => {
      // Locked: a demotion committing meanwhile waits for the rotation, or the rotation sees it.
      assertStillAdmin(await this.users.lock(manager, command.callerId));
      return this.keys.rotate(manager);
    });
    await this.keys.refresh();
    this.logger.log(`rotated signing key; now signing with ${kid}`);
    return { kid };
  }
}
