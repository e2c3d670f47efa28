import { Column, Entity, PrimaryColumn } from 'typeorm';

const bigintAsNumber = {
  to: (v: number | null) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};

/**
 * Ordering's copy of a product (event-carried state transfer from the catalog's product
 * events): the only source of the prices orders are placed at.
 */
@Entity({ name: 'products' })
export class ProductCopyRecord {
  @PrimaryColumn('uuid', { name: 'product_id' })
  productId!: string;

  @Column('text')
  sku!: string;

  /** Null (with the price) only for a product first heard of through its archiving. */
  @Column('text', { nullable: true })
  name!: string | null;

  @Column('bigint', { name: 'price_amount', nullable: true, transformer: bigintAsNumber })
  priceAmount!: number | null;

  @Column('char', { length: 3, nullable: true })
  currency!: string | null;

  @Column('text')
  status!: 'draft' | 'active' | 'archived';

  /** The aggregate version of the last catalog event applied: older events are ignored. */
  @Column('int')
  version!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
