import { StockCommitted, StockReleased, StockReservationFailed, StockReserved } from '#libs/contracts';
import { defineModule } from '#libs/modularity';
import { inventorySettings } from './inventory.settings';
import { AdjustStockHandler } from './application/commands/adjust-stock.handler';
import { ReleaseOverdueReservationsHandler } from './application/commands/release-overdue-reservations.handler';
import { SetStockHandler } from './application/commands/set-stock.handler';
import { CommitStockForConfirmedOrderHandler } from './application/events/commit-stock-for-confirmed-order.handler';
import { CreateStockForProductHandler } from './application/events/create-stock-for-product.handler';
import { ReleaseStockForCancelledOrderHandler } from './application/events/release-stock-for-cancelled-order.handler';
import { ReserveStockForPlacedOrderHandler } from './application/events/reserve-stock-for-placed-order.handler';
import { StockLockOrder } from './application/events/stock-lock-order';
import { ReservationStore } from './application/ports/reservation-store';
import { StockLedger } from './application/ports/stock-ledger';
import { GetStockHandler } from './application/queries/get-stock.handler';
import { ListStockMovementsHandler } from './application/queries/list-stock-movements.handler';
import { CreateInventoryTables1764500000000 } from './infrastructure/migrations/create-inventory-tables';
import { PartitionStockMovements1767200000000 } from './infrastructure/migrations/partition-stock-movements';
import { PostgresReservationStore } from './infrastructure/postgres-reservation-store';
import { PostgresStockLedger } from './infrastructure/postgres-stock-ledger';
import { ReservationRecord } from './infrastructure/reservation.record';
import { StockMovementRecord } from './infrastructure/stock-movement.record';
import { StockRecord } from './infrastructure/stock.record';
import { InventoryController } from './interface/http/inventory.controller';
import { ReservationExpirySweeper } from './interface/jobs/reservation-expiry-sweeper';
import { StockMovementPartitions } from './interface/jobs/stock-movement-partitions';

/** Stock per SKU, reservations for orders (all or none, never oversold) and their expiry. See README.md. */
export const inventoryModule = defineModule({
  name: 'inventory',
  schema: 'inventory',
  settings: inventorySettings,
  // Reservations are what a buyer waits for after the 201: in a process that also charges
  // and mails, this module's jobs go first.
  jobsGoFirst: true,
  entities: [StockRecord, StockMovementRecord, ReservationRecord],
  migrations: [CreateInventoryTables1764500000000, PartitionStockMovements1767200000000],
  providers: [
    // Every process that writes the table keeps its partitions, whatever its roles.
    StockMovementPartitions,
    { provide: StockLedger, useClass: PostgresStockLedger },
    { provide: ReservationStore, useClass: PostgresReservationStore },
    SetStockHandler,
    AdjustStockHandler,
    ReleaseOverdueReservationsHandler,
    GetStockHandler,
    ListStockMovementsHandler,
  ],
  controllers: [InventoryController],
  // Worker-role work: the sweeper that releases reservations past their expiry (no job per
  // reservation: docs/decisions/0038, option b), and the movements' partitions.
  processors: [ReservationExpirySweeper],
  routes: ['/v1/inventory'],
  publishes: [StockReserved, StockReservationFailed, StockReleased, StockCommitted],
  eventHandlers: [
    CreateStockForProductHandler,
    ReserveStockForPlacedOrderHandler,
    ReleaseStockForCancelledOrderHandler,
    CommitStockForConfirmedOrderHandler,
  ],
  inboxLockOrder: StockLockOrder,
});
