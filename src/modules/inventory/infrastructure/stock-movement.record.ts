import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MovementKind, StockMovement } from '../application/ports/stock-ledger';

/** The audit trail of on-hand changes: who (or which order) changed it, by how much, to what. */
@Entity({ name: 'stock_movements' })
export class StockMovementRecord implements StockMovement {
  /** `bigint GENERATED ALWAYS AS IDENTITY`: rows are inserted with SQL, never through TypeORM. */
  @PrimaryColumn('bigint')
  id!: string;

  @Column('text')
  sku!: string;

  @Column('text')
  kind!: MovementKind;

  @Column('int')
  delta!: number;

  @Column('int', { name: 'on_hand_after' })
  onHandAfter!: number;

  @Column('text', { nullable: true })
  reason!: string | null;

  /** The admin's user id; null for changes made by the system (order commits). */
  @Column('uuid', { nullable: true })
  actor!: string | null;

  @Column('timestamptz')
  at!: Date;
}
