import { OrderCancelled, OrderConfirmed, OrderPlaced } from '#libs/contracts';
import { idempotencyKeysProvider } from '#libs/http';
import { defineModule } from '#libs/modularity';
import { orderingSettings } from './ordering.settings';
import { CancelOrderHandler } from './application/commands/cancel-order.handler';
import { PlaceOrderHandler } from './application/commands/place-order.handler';
import { SettleOverdueOrdersHandler } from './application/commands/settle-overdue-orders.handler';
import { CancelWhenPaymentFailsHandler } from './application/events/cancel-when-payment-fails.handler';
import { CancelWhenReservationExpiresHandler } from './application/events/cancel-when-reservation-expires.handler';
import { CancelWhenStockShortHandler } from './application/events/cancel-when-stock-short.handler';
import { ConfirmWhenPaidHandler } from './application/events/confirm-when-paid.handler';
import {
  ProjectArchivedProductHandler,
  ProjectCreatedProductHandler,
  ProjectUpdatedProductHandler,
} from './application/events/project-product.handler';
import { RecordStockReservedHandler } from './application/events/record-stock-reserved.handler';
import { OrderAdmission } from './application/order-admission';
import { OrderBacklogMetrics } from './application/order-backlog-metrics';
import { OrderTransitions } from './application/order-transitions';
import { OrderBacklogReader } from './application/ports/order-backlog-reader';
import { OrderPlacementWriter } from './application/ports/order-placement-writer';
import { OrderStore } from './application/ports/order-store';
import { ProductCopyStore } from './application/ports/product-copy-store';
import { GetOrderHandler } from './application/queries/get-order.handler';
import { ListOrdersHandler } from './application/queries/list-orders.handler';
import { AddOrderDeadlines1765200000000 } from './infrastructure/migrations/add-order-deadlines';
import { CreateOrderingTables1764600000000 } from './infrastructure/migrations/create-ordering-tables';
import { PartitionIdempotencyKeys1767100000000 } from './infrastructure/migrations/partition-idempotency-keys';
import { OrderRecord } from './infrastructure/order.record';
import { PostgresOrderBacklogReader } from './infrastructure/postgres-order-backlog-reader';
import { PostgresOrderPlacementWriter } from './infrastructure/postgres-order-placement-writer';
import { PostgresOrderStore } from './infrastructure/postgres-order-store';
import { PostgresProductCopyStore } from './infrastructure/postgres-product-copy-store';
import { ProductCopyRecord } from './infrastructure/product-copy.record';
import { OrdersController } from './interface/http/orders.controller';
import { IdempotencyKeyPartitions } from './interface/jobs/idempotency-key-partitions';
import { OrderDeadlineSweeper } from './interface/jobs/order-deadline-sweeper';

/** Orders and their saga (stock, payment), priced from its own copy of the catalog. See README.md. */
export const orderingModule = defineModule({
  name: 'ordering',
  schema: 'ordering',
  settings: orderingSettings,
  // Reservations are what a buyer waits for after the 201: in a process that also charges
  // and mails, this module's jobs go first.
  jobsGoFirst: true,
  entities: [OrderRecord, ProductCopyRecord],
  migrations: [
    CreateOrderingTables1764600000000,
    AddOrderDeadlines1765200000000,
    PartitionIdempotencyKeys1767100000000,
  ],
  providers: [
    // Every process that writes the table keeps its partitions, whatever its roles.
    IdempotencyKeyPartitions,
    idempotencyKeysProvider(),
    { provide: OrderStore, useClass: PostgresOrderStore },
    { provide: ProductCopyStore, useClass: PostgresProductCopyStore },
    { provide: OrderPlacementWriter, useClass: PostgresOrderPlacementWriter },
    { provide: OrderBacklogReader, useClass: PostgresOrderBacklogReader },
    OrderAdmission,
    OrderBacklogMetrics,
    OrderTransitions,
    PlaceOrderHandler,
    CancelOrderHandler,
    SettleOverdueOrdersHandler,
    GetOrderHandler,
    ListOrdersHandler,
  ],
  controllers: [OrdersController],
  // Worker-role work: the timers that keep the idempotency keys' partitions and settle overdue orders.
  processors: [OrderDeadlineSweeper],
  routes: ['/v1/orders'],
  publishes: [OrderPlaced, OrderConfirmed, OrderCancelled],
  eventHandlers: [
    ProjectCreatedProductHandler,
    ProjectUpdatedProductHandler,
    ProjectArchivedProductHandler,
    RecordStockReservedHandler,
    CancelWhenStockShortHandler,
    CancelWhenReservationExpiresHandler,
    ConfirmWhenPaidHandler,
    CancelWhenPaymentFailsHandler,
  ],
});
