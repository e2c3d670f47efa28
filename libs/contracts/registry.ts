import type { IntegrationEvent } from './integration-event';
import { UserRegistered, UserRoleChanged } from './identity';
import { ProductArchived, ProductCreated, ProductUpdated } from './catalog';
import { OrderCancelled, OrderConfirmed, OrderPlaced } from './ordering';
import { StockCommitted, StockReleased, StockReservationFailed, StockReserved } from './inventory';
import { PaymentFailed, PaymentRefunded, PaymentSucceeded } from './payments';

/**
 * Every integration event Tessera defines. A module may consume a contract listed here
 * even when no module of the running build publishes it yet (the saga's payment step is
 * a contract before it is a module).
 */
export const INTEGRATION_EVENTS: readonly IntegrationEvent[] = [
  UserRegistered,
  UserRoleChanged,
  ProductCreated,
  ProductUpdated,
  ProductArchived,
  OrderPlaced,
  OrderConfirmed,
  OrderCancelled,
  StockReserved,
  StockReservationFailed,
  StockReleased,
  StockCommitted,
  PaymentSucceeded,
  PaymentFailed,
  PaymentRefunded,
];
