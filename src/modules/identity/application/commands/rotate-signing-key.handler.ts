import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SigningKeyStore } from '../ports/signing-key-store';

export class RotateSigningKey extends Command<{ kid: string }> {}

@CommandHandler(RotateSigningKey)
export class RotateSigningKeyHandler implements ICommandHandler<RotateSigningKey> {
  constructor(private readonly keys: SigningKeyStore) {}

  async execute(): Promise<{ kid: string }> {
    return { kid: await this.keys.rotate() };
  }
}
