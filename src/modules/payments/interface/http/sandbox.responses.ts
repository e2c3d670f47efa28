import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { SandboxCharge } from '../../infrastructure/sandbox/sandbox-provider';

// Documentation only: the bodies of the sandbox provider's pages.

/** Every status a sandbox charge can have, exactly: the record fails to compile when one changes. */
const SANDBOX_CHARGE_STATUSES = Object.keys({
  succeeded: true,
  declined: true,
  requires_action: true,
  refunded: true,
} satisfies Record<SandboxCharge['status'], true>) as SandboxCharge['status'][];

@ApiSchema({ name: 'SandboxCharge', description: 'A charge the sandbox provider made.' })
export class SandboxChargeResponse implements Omit<SandboxCharge, 'createdAt'> {
  @ApiProperty({ description: "The sandbox's charge id.", example: 'ch_3kTz0aQ1Yb8nWc2x' })
  id!: string;

  @ApiProperty({ description: 'The idempotency key Tessera charged with.' })
  idempotencyKey!: string;

  @ApiProperty({ description: "Tessera's payment id." })
  reference!: string;

  @ApiProperty({ example: 'pm_card_visa' })
  paymentMethod!: string;

  @ApiProperty({ type: 'integer', description: 'Minor units (cents).', example: 1999 })
  amount!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', example: 'EUR' })
  currency!: string;

  @ApiProperty({ enum: SANDBOX_CHARGE_STATUSES, enumName: 'SandboxChargeStatus' })
  status!: SandboxCharge['status'];

  @ApiProperty({ type: 'string', nullable: true, example: 'card_declined' })
  declineCode!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

@ApiSchema({ name: 'SandboxChargeList', description: "The sandbox's charges for one payment." })
export class SandboxChargeListResponse {
  @ApiProperty({ type: [SandboxChargeResponse] })
  items!: SandboxChargeResponse[];

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Charge requests the sandbox received for the payment.' })
  requests!: number;
}
