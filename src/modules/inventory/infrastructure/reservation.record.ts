import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReservationStatus } from '../domain/reservation';
import type { StockLine } from '../domain/stock-reservation';

/** What the inventory holds (or held, or refused) for one order. */
@Entity({ name: 'reservations' })
export class ReservationRecord {
  @PrimaryColumn('uuid', { name: 'order_id' })
  orderId!: string;

  @Column('text')
  status!: ReservationStatus;

  /** One line per SKU, sorted by SKU. */
  @Column('jsonb')
  lines!: StockLine[];

  /** 1 when decided, +1 per transition: the aggregate version of the events it publishes. */
  @Column('int')
  version!: number;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
