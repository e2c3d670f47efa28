import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LockedStock } from '../application/ports/stock-ledger';

@Entity({ name: 'stock' })
export class StockRecord implements LockedStock {
  @PrimaryColumn('text')
  sku!: string;

  @Column('int', { name: 'on_hand' })
  onHand!: number;

  /** Units held for open orders; CHECK (reserved >= 0) and CHECK (on_hand >= reserved). */
  @Column('int')
  reserved!: number;

  /** Bumped by every change of on hand or reserved. */
  @Column('int')
  version!: number;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
