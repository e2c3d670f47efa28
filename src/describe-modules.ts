import { eventKey } from '#libs/contracts';
import type { SubscriptionTable } from '#libs/messaging';
import type { ModuleManifest } from '#libs/modularity';

export interface ModuleDescription {
  readonly name: string;
  readonly schema: string;
  readonly routes: readonly string[];
  readonly queues: readonly string[];
  readonly publishes: readonly string[];
  readonly consumes: readonly string[];
  /** Whether its jobs go first in a process that runs other modules' jobs too (WorkerPrecedence). */
  readonly jobsGoFirst: boolean;
}

/**
 * What `node dist/main.js modules` prints: enough for an operator (or the topology harness)
 * to route paths to module processes and see who consumes what.
 */
export function describeModules(
  manifests: readonly ModuleManifest[],
  subscriptions: SubscriptionTable,
): ModuleDescription[] {
  return manifests.map((manifest) => ({
    name: manifest.name,
    schema: manifest.schema,
    routes: manifest.routes ?? [],
    queues: (manifest.queues ?? []).map((queue) => queue.name),
    publishes: (manifest.publishes ?? []).map(eventKey),
    consumes: subscriptions.subscriptionsOf(manifest.name).map((s) => eventKey(s.event)),
    jobsGoFirst: manifest.jobsGoFirst ?? false,
  }));
}
