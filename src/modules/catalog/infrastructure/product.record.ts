import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { StoredProduct } from '../application/ports/product-store';
import type { ProductStatus } from '../domain/product';

@Entity({ name: 'products' })
export class ProductRecord implements StoredProduct {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { unique: true })
  sku!: string;

  @Column('text')
  name!: string;

  @Column('text')
  description!: string;

  @Column('uuid', { name: 'category_id' })
  categoryId!: string;

  /** Category path copied in, so "category and descendants" is one prefix match. */
  @Column('text', { name: 'category_path' })
  categoryPath!: string;

  @Column('bigint', { name: 'price_amount', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  priceAmount!: number;

  @Column('char', { length: 3 })
  currency!: string;

  @Column('jsonb')
  attributes!: Record<string, unknown>;

  @Column('text')
  status!: ProductStatus;

  @Column('int')
  version!: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
