import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '#libs/http';
import { ORDER_LIMITS, PAYMENT_METHOD } from '../../domain/order';

export class OrderLineDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  productId!: string;

  @ApiProperty({ minimum: 1, maximum: ORDER_LIMITS.maxQuantity, example: 1 })
  @IsInt()
  @Min(1)
  @Max(ORDER_LIMITS.maxQuantity)
  quantity!: number;
}

/** Two lines name the same product when their ids match, whatever the letter case. */
function productKey(line: unknown): unknown {
  const productId = (line as { productId?: unknown } | null)?.productId;
  return typeof productId === 'string' ? productId.toLowerCase() : line;
}

export class PlaceOrderDto {
  @ApiProperty({ type: [OrderLineDto], minItems: 1, maxItems: ORDER_LIMITS.maxLines })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LIMITS.maxLines)
  @ArrayUnique(productKey, { message: 'lines must name each product once' })
  // ValidateNested passes an array nested in the array (it validates its elements instead).
  @IsObject({ each: true, message: 'each line must be an object {productId, quantity}' })
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines!: OrderLineDto[];

  @ApiProperty({ example: 'pm_card_visa', minLength: 1, maxLength: ORDER_LIMITS.maxPaymentMethodLength })
  @IsString()
  @Matches(PAYMENT_METHOD, {
    message: `paymentMethod must be 1 to ${ORDER_LIMITS.maxPaymentMethodLength} characters without control characters`,
  })
  paymentMethod!: string;
}

/** A page of the caller's orders, newest first (at most 100 a page). */
export class OrderListQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @Max(100)
  override limit = 20;
}
