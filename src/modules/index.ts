import type { ModuleManifest } from '#libs/modularity';
import { catalogModule } from './catalog/catalog.module';
import { identityModule } from './identity/identity.module';
import { inventoryModule } from './inventory/inventory.module';
import { notificationsModule } from './notifications/notifications.module';
import { orderingModule } from './ordering/ordering.module';
import { paymentsModule } from './payments/payments.module';

/**
 * Every bounded context of Tessera, in start-up order. `--modules` selects among these;
 * every process knows all of them so that flags and subscriptions can be validated.
 */
export const TESSERA_MODULES: readonly ModuleManifest[] = [
  identityModule,
  catalogModule,
  inventoryModule,
  orderingModule,
  paymentsModule,
  notificationsModule,
];
