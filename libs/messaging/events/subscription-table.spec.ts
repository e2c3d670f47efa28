import 'reflect-metadata';
import { z } from 'zod';
import { defineIntegrationEvent } from '#libs/contracts';
import { defineModule, type ModuleManifest } from '#libs/modularity';
import { OnIntegrationEvent } from './on-integration-event.decorator';
import { inboxQueueName, SubscriptionTable } from './subscription-table';

const OrderPlaced = defineIntegrationEvent({
  publisher: 'ordering',
  name: 'ordering.order-placed',
  version: 1,
  schema: z.object({ orderId: z.string() }),
});
const Orphan = defineIntegrationEvent({
  publisher: 'ordering',
  name: 'ordering.order-lost',
  version: 1,
  schema: z.object({}),
});

@OnIntegrationEvent(OrderPlaced)
class ReserveStock {}
@OnIntegrationEvent(OrderPlaced)
class SendReceipt {}
@OnIntegrationEvent(OrderPlaced)
class AlsoReserveStock {}
@OnIntegrationEvent(Orphan)
class HandleOrphan {}
class Undecorated {}

function manifest(name: string, extra: Partial<ModuleManifest>): ModuleManifest {
  return defineModule({ name, schema: name.replace(/-/g, '_'), entities: [], migrations: [], ...extra });
}

describe('SubscriptionTable', () => {
  const ordering = manifest('ordering', { publishes: [OrderPlaced] });

  it('fans an event out to every subscribing module, whichever processes run', () => {
    const table = new SubscriptionTable([
      ordering,
      manifest('inventory', { eventHandlers: [ReserveStock] }),
      manifest('notifications', { eventHandlers: [SendReceipt] }),
    ]);
    expect(table.subscribersOf('ordering.order-placed@1').map((s) => s.subscriber)).toEqual([
      'inventory',
      'notifications',
    ]);
    expect(table.subscribingModules()).toEqual(['inventory', 'notifications']);
    expect(inboxQueueName('inventory')).toBe('inbox.inventory');
  });

  it('refuses two handlers for one event in one module', () => {
    expect(
      () =>
        new SubscriptionTable([ordering, manifest('inventory', { eventHandlers: [ReserveStock, AlsoReserveStock] })]),
    ).toThrow('module inventory has two handlers for ordering.order-placed@1');
  });

  it('refuses a handler for an event no contract defines', () => {
    expect(() => new SubscriptionTable([ordering, manifest('inventory', { eventHandlers: [HandleOrphan] })])).toThrow(
      'HandleOrphan in module inventory consumes ordering.order-lost@1, which no contract defines',
    );
  });

  it('accepts a handler for a defined contract that no module of this build publishes yet', () => {
    const table = new SubscriptionTable([manifest('inventory', { eventHandlers: [HandleOrphan] })], [Orphan]);
    expect(table.subscribersOf('ordering.order-lost@1').map((s) => s.subscriber)).toEqual(['inventory']);
    expect(table.contract('ordering.order-lost@1')).toBe(Orphan);
  });

  it('refuses a handler without @OnIntegrationEvent and a contract published by the wrong module', () => {
    expect(() => new SubscriptionTable([ordering, manifest('inventory', { eventHandlers: [Undecorated] })])).toThrow(
      'has no @OnIntegrationEvent',
    );
    expect(() => new SubscriptionTable([manifest('catalog', { publishes: [OrderPlaced] })])).toThrow(
      'names ordering as publisher',
    );
  });
});
