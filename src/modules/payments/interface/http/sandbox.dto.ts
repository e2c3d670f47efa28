import { IsIn, IsOptional, IsUUID } from 'class-validator';

export class AuthenticateChargeDto {
  /** What the customer does on the 3-D Secure page: complete it (default) or fail it. */
  @IsOptional()
  @IsIn(['succeeded', 'failed'])
  outcome?: 'succeeded' | 'failed';
}

export class SandboxChargesQuery {
  /** Tessera's payment id, which the sandbox keeps as the charge's reference. */
  @IsUUID()
  reference!: string;
}
