import { PageSchema } from '#libs/http';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { MovementKind } from '../../application/ports/stock-ledger';
import type { MovementPage, MovementView } from '../../application/queries/list-stock-movements.handler';
import type { StockView } from '../../application/stock-view';

// A record, not a list: the compiler refuses it when a kind is added to the ledger and not here.
const MOVEMENT_KINDS: Record<MovementKind, true> = { set: true, adjustment: true, commit: true };

@ApiSchema({ name: 'Stock', description: "One SKU's stock: what is on hand, promised to open orders, and free." })
export class StockResponse implements StockView {
  @ApiProperty({ example: 'LAMP-001' })
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  onHand!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'held by open orders' })
  reserved!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'on hand minus reserved: what can still be ordered' })
  available!: number;
}

@ApiSchema({ name: 'StockMovement', description: 'One change of the units on hand, in the audit trail.' })
export class StockMovementResponse implements MovementView {
  @ApiProperty({ pattern: '^[1-9][0-9]*$', description: 'increasing: newer movements have larger ids' })
  id!: string;

  @ApiProperty({ example: 'LAMP-001' })
  sku!: string;

  @ApiProperty({
    enum: Object.keys(MOVEMENT_KINDS),
    enumName: 'StockMovementKind',
    description: '`set` by a count, `adjustment` by a delta, `commit` when an order takes its units',
  })
  kind!: MovementKind;

  @ApiProperty({ type: 'integer', description: 'units added (positive) or removed (negative)' })
  delta!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  onHandAfter!: number;

  @ApiProperty({ type: String, nullable: true, description: 'null for a count (`set`)' })
  reason!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "the admin's user id; null for commits" })
  actor!: string | null;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

@ApiSchema({ name: 'StockMovementPage', description: "A page of one SKU's movements, newest first." })
export class StockMovementPageResponse extends PageSchema(StockMovementResponse) implements MovementPage {}
