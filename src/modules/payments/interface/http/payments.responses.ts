import { MoneySchema } from '#libs/http';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { WebhookReceipt } from '../../application/commands/receive-provider-webhook.handler';
import type { PaymentView } from '../../application/payment-view';
import { PAYMENT_STATUSES, type PaymentStatus, type RefundReason } from '../../domain/payment';

// Documentation only: the bodies payments' routes answer, each checked against the view it documents.

/** Every refund reason, exactly: the record fails to compile when one is added or removed. */
const REFUND_REASONS = Object.keys({
  requested_by_admin: true,
  order_cancelled: true,
} satisfies Record<RefundReason, true>) as RefundReason[];

@ApiSchema({
  name: 'Payment',
  description:
    "An order's payment, for its customer or an admin; `failureReason` is present once it failed, `refundReason` once a refund was asked.",
})
export class PaymentResponse implements PaymentView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  orderId!: string;

  @ApiProperty({ format: 'uuid' })
  customerId!: string;

  @ApiProperty({ enum: PAYMENT_STATUSES, enumName: 'PaymentStatus' })
  status!: PaymentStatus;

  @ApiProperty({ type: MoneySchema, description: "The order's total." })
  amount!: MoneySchema;

  @ApiProperty({ example: 'pm_card_visa' })
  paymentMethod!: string;

  @ApiProperty({ description: 'The provider that charges it.', example: 'sandbox' })
  provider!: string;

  @ApiProperty({ type: 'string', nullable: true, description: "The provider's id of the charge, once it answered." })
  providerChargeId!: string | null;

  @ApiPropertyOptional({
    description: "Present when the payment failed: the provider's decline code or why charging gave up.",
    example: 'card_declined',
  })
  failureReason?: string;

  // No description here: a named enum would take it as its own.
  @ApiPropertyOptional({ enum: REFUND_REASONS, enumName: 'RefundReason' })
  refundReason?: RefundReason;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Calls made to the provider to charge, retries included.' })
  chargeAttempts!: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: '1 when created, +1 on every change.' })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

@ApiSchema({ name: 'ProviderWebhookReceipt', description: 'A provider webhook, verified and recorded.' })
export class ProviderWebhookReceiptResponse implements WebhookReceipt {
  @ApiProperty({ type: 'boolean', enum: [true] })
  received!: true;

  @ApiProperty({ description: 'The provider sent this event before: nothing new happens.' })
  duplicate!: boolean;
}
