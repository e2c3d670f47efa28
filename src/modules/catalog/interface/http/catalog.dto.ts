import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQuery } from '#libs/http';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** The largest price filter: a JavaScript number is exact only up to 2^53 - 1 (prices are bigint). */
export const MAX_PRICE_FILTER = Number.MAX_SAFE_INTEGER;

export class MoneyDto {
  @ApiProperty({ description: 'minor units (cents)', example: 1999 })
  @IsInt()
  @Min(0)
  @Max(10_000_000_000)
  amount!: number;

  @ApiProperty({ example: 'EUR' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as EUR' })
  currency!: string;
}

export class CreateCategoryDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;

  @ApiProperty({ example: 'desk-lamps' })
  @Matches(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'slug must be lower-case words joined by "-"' })
  @MaxLength(64)
  slug!: string;

  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() parentId?: string;
}

export class CreateProductDto {
  @ApiProperty({ example: 'LAMP-001' })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'sku must be 1 to 64 letters, digits, ".", "_" or "-"' })
  sku!: string;

  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty() @IsString() @MaxLength(5000) description!: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() categoryId!: string;

  @ApiProperty({ type: MoneyDto })
  @ValidateNested()
  @Type(() => MoneyDto)
  price!: MoneyDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() attributes?: Record<
    string,
    unknown
  >;

  @ApiPropertyOptional({ enum: ['draft', 'active'], default: 'draft' })
  @IsOptional()
  @IsIn(['draft', 'active'])
  status?: 'draft' | 'active';
}

export class UpdateProductDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(5000) description?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() categoryId?: string;

  @ApiPropertyOptional({ type: MoneyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyDto)
  price?: MoneyDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() attributes?: Record<
    string,
    unknown
  >;

  @ApiPropertyOptional({ enum: ['draft', 'active'] }) @IsOptional() @IsIn(['draft', 'active']) status?:
    'draft' | 'active';
}

/** A product page: PageQuery's limit and cursor (at most 100 products a page), plus filters and sort. */
export class ProductListQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @Max(100)
  override limit = 20;

  @ApiPropertyOptional({ format: 'uuid', description: 'this category and its descendants' })
  @IsOptional()
  @IsUUID()
  category?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE_FILTER, description: 'minor units' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_FILTER)
  minPrice?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_PRICE_FILTER, description: 'minor units' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_FILTER)
  maxPrice?: number;

  @ApiPropertyOptional({
    maxLength: 200,
    description: 'full-text search in name and description: words, "a phrase", `or`, `-word`',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[^\p{Cc}]*$/u, { message: 'q must not contain control characters' })
  q?: string;

  @ApiPropertyOptional({ enum: ['newest', 'price_asc', 'price_desc'], default: 'newest' })
  @IsOptional()
  @IsIn(['newest', 'price_asc', 'price_desc'])
  sort: 'newest' | 'price_asc' | 'price_desc' = 'newest';
}
