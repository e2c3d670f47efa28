import type { Type } from '@nestjs/common';
import { eventKey, type IntegrationEvent } from '#libs/contracts';
import type { ModuleManifest } from '#libs/modularity';
import { consumedEvent } from './on-integration-event.decorator';

export interface Subscription {
  readonly event: IntegrationEvent;
  readonly subscriber: string;
  readonly handler: Type;
}

/** The queue a subscribing module consumes its events from. */
export function inboxQueueName(module: string): string {
  return `inbox.${module}`;
}

/** From every manifest, run here or not: a relay fans out to all subscribers. An inconsistency fails start-up. */
export class SubscriptionTable {
  private readonly byEvent = new Map<string, Subscription[]>();
  private readonly contracts = new Map<string, IntegrationEvent>();
  private readonly schemas = new Map<string, string>();

  /** `defined`: contracts no module given here publishes, which a handler may still consume. */
  constructor(manifests: readonly ModuleManifest[], defined: readonly IntegrationEvent[] = []) {
    const known = new Map(defined.map((event) => [eventKey(event), event]));
    for (const manifest of manifests) {
      this.schemas.set(manifest.name, manifest.schema);
      for (const event of manifest.publishes ?? []) {
        if (event.publisher !== manifest.name) {
          throw new Error(
            `module ${manifest.name} lists ${eventKey(event)} as published, but its contract names ${event.publisher} as publisher`,
          );
        }
        if (this.contracts.has(eventKey(event))) throw new Error(`event ${eventKey(event)} is defined twice`);
        this.contracts.set(eventKey(event), event);
      }
    }
    for (const [key, event] of known) if (!this.contracts.has(key)) this.contracts.set(key, event);
    for (const manifest of manifests) {
      const seen = new Set<string>();
      for (const handler of manifest.eventHandlers ?? []) {
        const event = consumedEvent(handler);
        if (!event) throw new Error(`${handler.name} in module ${manifest.name} has no @OnIntegrationEvent(...)`);
        const key = eventKey(event);
        if (!this.contracts.has(key)) {
          throw new Error(`${handler.name} in module ${manifest.name} consumes ${key}, which no contract defines`);
        }
        if (seen.has(key)) throw new Error(`module ${manifest.name} has two handlers for ${key}`);
        seen.add(key);
        const list = this.byEvent.get(key) ?? [];
        list.push({ event, subscriber: manifest.name, handler });
        this.byEvent.set(key, list);
      }
    }
  }

  subscribersOf(key: string): readonly Subscription[] {
    return this.byEvent.get(key) ?? [];
  }

  contract(key: string): IntegrationEvent | undefined {
    return this.contracts.get(key);
  }

  subscriptionsOf(module: string): Subscription[] {
    return [...this.byEvent.values()].flat().filter((s) => s.subscriber === module);
  }

  /** The schema of a module, where its outbox and inbox live. */
  schemaOf(module: string): string {
    const schema = this.schemas.get(module);
    if (!schema) throw new Error(`no module "${module}"`);
    return schema;
  }

  /** Modules that consume at least one event: each has an inbox queue. */
  subscribingModules(): string[] {
    return [...new Set([...this.byEvent.values()].flat().map((s) => s.subscriber))];
  }
}
