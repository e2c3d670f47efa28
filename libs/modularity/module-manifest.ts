import type { DynamicModule, ForwardReference, Provider, Type } from '@nestjs/common';
import type { SettingsDeclaration } from '#libs/config';
import type { IntegrationEvent } from '#libs/contracts';

type NestImport = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

/** A queue of jobs a module owns (not its event inbox, which messaging derives). */
export interface QueueDeclaration {
  /** Unprefixed name, e.g. `payments.charges`. QUEUE_PREFIX is applied by the backend. */
  readonly name: string;
}

/** A TypeORM migration class, constructed by the runner. */
export type MigrationClass = new () => {
  up(queryRunner: unknown): Promise<unknown>;
  down(queryRunner: unknown): Promise<unknown>;
};

/** A bounded context as the composition root sees it; parts are grouped by role so `--roles` loads only its own. */
export interface ModuleManifest {
  /** Lower-case module name used in `--modules`, settings and metrics. */
  readonly name: string;
  /** The PostgreSQL schema the module owns; nothing else reads or writes it. */
  readonly schema: string;
  /** TypeORM entities (classes or EntitySchemas) of the module's data source. */
  readonly entities: readonly (Type | object)[];
  /** Ordered migrations of the module's schema. */
  readonly migrations: readonly MigrationClass[];
  /** Settings only this module reads (`defineSettings` in its `<name>.settings.ts`); libs/config validates them. */
  readonly settings?: SettingsDeclaration;
  /** Nest modules the module needs whatever its role (e.g. CqrsModule is global already). */
  readonly imports?: readonly NestImport[];
  /** Command/query/event handlers and services: loaded in every role. */
  readonly providers?: readonly Provider[];
  /** HTTP controllers: loaded with the `api` role only. */
  readonly controllers?: readonly Type[];
  /** Providers that serve HTTP outside controllers (hooks on the HTTP server): `api` role only. */
  readonly httpProviders?: readonly Provider[];
  /** BullMQ processors: loaded with the `worker` role only. */
  readonly processors?: readonly Provider[];
  /** Outbox publishers and other relay-side work: loaded with the `relay` role only. */
  readonly relayProviders?: readonly Provider[];
  /** Job queues the module owns. */
  readonly queues?: readonly QueueDeclaration[];
  /** Path prefixes a router uses to find the module; one inside another module's prefix is an nginx regex location. */
  readonly routes?: readonly string[];
  /** Integration events the module publishes through its outbox (contracts from libs/contracts). */
  readonly publishes?: readonly IntegrationEvent[];
  /** `@OnIntegrationEvent` classes: loaded with `worker`; every process reads them for the subscription table. */
  readonly eventHandlers?: readonly Type[];
  /** Locks an inbox batch's rows in one order before any handler runs (docs/decisions/0026-inbox-lock-order.md). */
  readonly inboxLockOrder?: Type;
  /** On the path a customer waits on: its jobs go first (docs/decisions/0012-worker-precedence.md). */
  readonly jobsGoFirst?: boolean;
}

const MODULE_NAME = /^[a-z][a-z0-9-]{1,30}$/;
const SCHEMA_NAME = /^[a-z][a-z0-9_]{1,62}$/;

/** Checks a manifest's shape once, where it is declared, so a typo fails at start-up. */
export function defineModule(manifest: ModuleManifest): ModuleManifest {
  if (!MODULE_NAME.test(manifest.name)) {
    throw new Error(`module name "${manifest.name}" must be lower-case letters, digits or "-"`);
  }
  if (!SCHEMA_NAME.test(manifest.schema)) {
    throw new Error(`module ${manifest.name}: schema "${manifest.schema}" must be lower-case letters, digits or "_"`);
  }
  for (const queue of manifest.queues ?? []) {
    if (moduleOfQueue(queue.name) !== manifest.name) {
      throw new Error(`module ${manifest.name}: queue "${queue.name}" must be named "${manifest.name}.<name>"`);
    }
  }
  return Object.freeze({ ...manifest });
}

/** The module a queue belongs to: `payments.charges` is payments'. Jobs are attributed by it. */
export function moduleOfQueue(queueName: string): string {
  return queueName.split('.', 1)[0]!;
}

/** Fails on two manifests with one name or one schema: each module owns exactly one schema. */
export function assertDistinctModules(manifests: readonly ModuleManifest[]): void {
  const names = new Set<string>();
  const schemas = new Set<string>();
  for (const manifest of manifests) {
    if (names.has(manifest.name)) throw new Error(`two modules are named "${manifest.name}"`);
    if (schemas.has(manifest.schema)) throw new Error(`two modules own schema "${manifest.schema}"`);
    names.add(manifest.name);
    schemas.add(manifest.schema);
  }
}
