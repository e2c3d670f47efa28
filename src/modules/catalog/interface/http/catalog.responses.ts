import { MoneySchema, PageSchema } from '#libs/http';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { CategoryView } from '../../application/commands/create-category.handler';
import type { ProductView } from '../../application/product-view';
import type { ProductPage } from '../../application/queries/list-products.handler';
import type { ProductStatus } from '../../domain/product';

// A record, not a list: the compiler refuses it when a status is added to the domain and not here.
const PRODUCT_STATUSES: Record<ProductStatus, true> = { draft: true, active: true, archived: true };

@ApiSchema({ name: 'Category', description: 'A node of the category tree.' })
export class CategoryResponse implements CategoryView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Desk lamps' })
  name!: string;

  @ApiProperty({ example: 'desk-lamps' })
  slug!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for a root category' })
  parentId!: string | null;
}

@ApiSchema({ name: 'CategoryList', description: 'The whole category tree, parents before their children.' })
export class CategoryListResponse {
  @ApiProperty({ type: [CategoryResponse] })
  items!: CategoryResponse[];
}

@ApiSchema({
  name: 'Product',
  description: 'A product; reads show active and archived ones, drafts only the answers to admin writes.',
})
export class ProductResponse implements ProductView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'LAMP-001' })
  sku!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ format: 'uuid' })
  categoryId!: string;

  @ApiProperty({ type: MoneySchema })
  price!: MoneySchema;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { legs: 4 } })
  attributes!: Record<string, unknown>;

  @ApiProperty({ enum: Object.keys(PRODUCT_STATUSES), enumName: 'ProductStatus' })
  status!: ProductStatus;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'bumped by every change; the ETag names it' })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

@ApiSchema({ name: 'ProductPage', description: 'A page of active products.' })
export class ProductPageResponse extends PageSchema(ProductResponse) implements ProductPage {}
