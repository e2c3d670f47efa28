import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, MaxLength, Min, MinLength, NotEquals } from 'class-validator';
import { MAX_ON_HAND } from '../../domain/stock-level';

/** The SKU in the path: the catalog's SKU format. */
export class SkuParams {
  @ApiProperty({ example: 'LAMP-001' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'sku must be 1 to 64 letters, digits, ".", "_" or "-"' })
  sku!: string;
}

export class SetStockDto {
  @ApiProperty({ minimum: 0, maximum: MAX_ON_HAND, description: 'units on hand; not below what is reserved' })
  @IsInt()
  @Min(0)
  @Max(MAX_ON_HAND)
  onHand!: number;
}

export class AdjustStockDto {
  @ApiProperty({ description: 'units to add (positive) or remove (negative); not zero', example: -2 })
  @IsInt()
  @NotEquals(0, { message: 'delta must not be zero' })
  @Min(-MAX_ON_HAND)
  @Max(MAX_ON_HAND)
  delta!: number;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'two lamps broken in the warehouse' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}
