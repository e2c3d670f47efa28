import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

export class AuthenticateChargeDto {
  /** What the customer does on the 3-D Secure page: complete it (default) or fail it. */
  @ApiPropertyOptional({ enum: ['succeeded', 'failed'], default: 'succeeded' })
  @IsOptional()
  @IsIn(['succeeded', 'failed'])
  outcome?: 'succeeded' | 'failed';
}

export class SandboxChargesQuery {
  /** Tessera's payment id, which the sandbox keeps as the charge's reference. */
  @ApiProperty({ format: 'uuid', description: "Tessera's payment id (the charge's reference)." })
  @IsUUID()
  reference!: string;
}
