import type { MigrationClass } from '#libs/modularity';
import { DeliveryLedger1765000000000 } from './delivery-ledger.migration';
import { MessagingTables1764000000000 } from './messaging-tables.migration';
import { OutboxTraceContext1766000000000 } from './outbox-trace-context.migration';
import { PartitionMessagingTables1767000000000 } from './partition-messaging-tables.migration';

/** The migrations every module's schema gets before its own: outbox, inbox, delivery ledger (outbox and inbox partitioned by day). */
export const MESSAGING_MIGRATIONS: readonly MigrationClass[] = [
  MessagingTables1764000000000,
  DeliveryLedger1765000000000,
  OutboxTraceContext1766000000000,
  PartitionMessagingTables1767000000000,
];
