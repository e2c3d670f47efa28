import { MoneySchema, PageSchema } from '#libs/http';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { OrderPage, OrderView } from '../../application/order-view';
import {
  CANCEL_REASONS,
  ORDER_LIMITS,
  ORDER_STATUSES,
  type CancelReason,
  type OrderLine,
  type OrderStatus,
} from '../../domain/order';

// Documentation only: the bodies ordering's routes answer, each checked against the view it documents.

@ApiSchema({
  name: 'OrderLine',
  description: "A line of an order, at the product's SKU, name and price when it was placed.",
})
export class OrderLineResponse implements OrderLine {
  @ApiProperty({ format: 'uuid' })
  productId!: string;

  @ApiProperty({ example: 'MUG-001' })
  sku!: string;

  @ApiProperty({ example: 'Mug' })
  name!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: ORDER_LIMITS.maxQuantity, example: 1 })
  quantity!: number;

  @ApiProperty({ type: MoneySchema })
  unitPrice!: MoneySchema;
}

@ApiSchema({
  name: 'Order',
  description: 'An order, for its customer or an admin; `cancelReason` is present exactly when it is `cancelled`.',
})
export class OrderResponse implements OrderView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  customerId!: string;

  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus' })
  status!: OrderStatus;

  // No description here: a named enum would take it as its own.
  @ApiPropertyOptional({ enum: CANCEL_REASONS, enumName: 'CancelReason' })
  cancelReason?: CancelReason;

  @ApiProperty({ type: [OrderLineResponse], minItems: 1, maxItems: ORDER_LIMITS.maxLines })
  lines!: OrderLineResponse[];

  @ApiProperty({ type: MoneySchema, description: 'The sum of the lines.' })
  total!: MoneySchema;

  @ApiProperty({ example: 'pm_card_visa' })
  paymentMethod!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: '1 when placed, +1 on every change of status.' })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

@ApiSchema({ name: 'OrderPage', description: "A page of the caller's orders, newest first." })
export class OrderPageResponse extends PageSchema(OrderResponse) implements OrderPage {}
