import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** Money on the wire, the same in every module (docs/decisions/0015-money-per-bounded-context.md). */
@ApiSchema({ name: 'Money', description: 'An amount in minor units (cents) of one ISO 4217 currency.' })
export class MoneySchema {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Minor units (cents).', example: 1999 })
  amount!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.', example: 'EUR' })
  currency!: string;
}
