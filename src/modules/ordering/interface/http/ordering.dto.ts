import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '#libs/http';
import { ORDER_LIMITS } from '../../domain/order';

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
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines!: OrderLineDto[];

  @ApiProperty({ example: 'pm_card_visa', maxLength: ORDER_LIMITS.maxPaymentMethodLength })
  @IsString()
  @MinLength(1)
  @MaxLength(ORDER_LIMITS.maxPaymentMethodLength)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'paymentMethod must not contain control characters' })
  paymentMethod!: string;
}

/** A page of the caller's orders, newest first (at most 100 a page). */
export class OrderListQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @Max(100)
  override limit = 20;
}
