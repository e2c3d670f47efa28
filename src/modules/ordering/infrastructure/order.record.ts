import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CancelReason, OrderLine, OrderStatus } from '../domain/order';

const bigintAsNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

@Entity({ name: 'orders' })
export class OrderRecord {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'customer_id' })
  customerId!: string;

  @Column('text')
  status!: OrderStatus;

  @Column('text', { name: 'cancel_reason', nullable: true })
  cancelReason!: CancelReason | null;

  /** The lines as placed: product, SKU, name, quantity and unit price (prices never change afterwards). */
  @Column('jsonb')
  lines!: OrderLine[];

  @Column('bigint', { name: 'total_amount', transformer: bigintAsNumber })
  totalAmount!: number;

  @Column('char', { length: 3 })
  currency!: string;

  @Column('text', { name: 'payment_method' })
  paymentMethod!: string;

  @Column('int')
  version!: number;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
