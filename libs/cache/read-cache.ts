import { Logger } from '@nestjs/common';
import { createCache, type Cache } from 'cache-manager';
import KeyvRedis from '@keyv/redis';
import { CacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { Counter, register } from 'prom-client';
import type { RedisTarget } from '#libs/config';
import { lsnAtLeast } from '#libs/database';
import { RepeatedFailureLog } from '#libs/observability';
import { ChangePositions } from './change-positions';
import type { InvalidationBus } from './invalidation-bus';
import { LastLoaded, type Loaded } from './last-loaded';

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames });
}

const hits = counter('cache_hits_total', 'Cache hits by cache and tier (memory, redis)', ['cache', 'tier']);
const misses = counter('cache_misses_total', 'Cache misses (the value was loaded from the database), by cache', [
  'cache',
]);
const staleServed = counter(
  'cache_stale_served_total',
  'Reads answered with an expired entry because the database could not be reached, by cache',
  ['cache'],
);

export interface ReadCacheOptions {
  readonly ttlSeconds: number;
  /** How long past its TTL an entry may still answer while the database cannot be reached; 0: never. */
  readonly staleIfErrorSeconds: number;
  readonly redis: RedisTarget | undefined;
  readonly prefix: string;
}

export type { Loaded };

/**
 * An in-process LRU, then Redis when configured (docs/decisions/0021-read-cache-and-invalidation.md).
 * Each entry keeps the LSN it was read at, so a consistency token never gets a value older than its write.
 * While the database cannot be reached, an expired entry no change has invalidated still answers,
 * up to `staleIfErrorSeconds` past its TTL (docs/decisions/0043-stale-reads-while-the-database-is-down.md).
 */
export class ReadCache {
  private readonly logger = new Logger('ReadCache');
  private readonly memory: Cache;
  private readonly memoryStore: CacheableMemory;
  private readonly shared: Cache | undefined;
  /** Memory-only caches for values too many to invalidate one by one (list pages): cleared whole. */
  private readonly namespaces = new Map<string, { cache: Cache; store: CacheableMemory; lastLoaded: LastLoaded }>();
  /** Loads in flight: one that overlaps an invalidation of its key may hold the old value and is not kept. */
  private readonly loads = new Map<string, Set<LoadTicket>>();
  private readonly pendingRedeletes = new Set<NodeJS.Timeout>();
  /** The last entry loaded per key, kept past its TTL to answer while the database is down. */
  private readonly lastLoaded: LastLoaded;
  /** Where the latest change to each key was written: an entry read before it is not kept. */
  private readonly changes = new ChangePositions(10_000);

  constructor(
    private readonly options: ReadCacheOptions,
    private readonly bus: InvalidationBus,
  ) {
    ({ cache: this.memory, store: this.memoryStore } = memoryCache(options.ttlSeconds, 10_000));
    this.lastLoaded = new LastLoaded(options.staleIfErrorSeconds * 1000, 10_000);
    if (options.redis) {
      const redis = sharedTier(options.redis, `${options.prefix}:cache`);
      // Every reconnect attempt while Redis is down emits one.
      const failures = new RepeatedFailureLog(this.logger, 'redis tier', 'when-quiet');
      redis.on('error', (error: unknown) => failures.failed(String(error)));
      this.shared = createCache({ stores: [redis] });
    }
    bus.onInvalidate((keys, changedAt) => void this.dropLocal(keys, changedAt));
  }

  /** With `atLeastLsn` (a consistency token), a value cached before that position is read again. */
  get<T>(key: string, load: () => Promise<Loaded<T>>, atLeastLsn?: string): Promise<T> {
    return this.read(
      { cache: this.memory, lastLoaded: this.lastLoaded },
      this.shared,
      { key, invalidatedAs: key, label: family(key) },
      load,
      atLeastLsn,
    );
  }

  /** A memory-tier hit, synchronously, for the cache-hit fast path (docs/decisions/0010-cache-hit-fast-path.md). */
  peek<T>(key: string): T | undefined {
    return peekStore<T>(this.memoryStore, key, family(key));
  }

  /** `peek` in a namespace of `getInNamespace`. */
  peekInNamespace<T>(namespace: string, key: string): T | undefined {
    const held = this.namespaces.get(namespace);
    return held && peekStore<T>(held.store, `${namespace}:${key}`, namespace);
  }

  /** Memory-only, cleared whole on every replica by `invalidate([namespace])`: for list pages and the like. */
  getInNamespace<T>(namespace: string, key: string, load: () => Promise<Loaded<T>>, atLeastLsn?: string): Promise<T> {
    let held = this.namespaces.get(namespace);
    if (!held) {
      held = {
        ...memoryCache(this.options.ttlSeconds, 2_000),
        lastLoaded: new LastLoaded(this.options.staleIfErrorSeconds * 1000, 2_000),
      };
      this.namespaces.set(namespace, held);
    }
    return this.read(
      held,
      undefined,
      { key: `${namespace}:${key}`, invalidatedAs: namespace, label: namespace },
      load,
      atLeastLsn,
    );
  }

  private async read<T>(
    { cache: memory, lastLoaded }: { cache: Cache; lastLoaded: LastLoaded },
    shared: Cache | undefined,
    { key, invalidatedAs, label }: { key: string; invalidatedAs: string; label: string },
    load: () => Promise<Loaded<T>>,
    atLeastLsn: string | undefined,
  ): Promise<T> {
    const ttl = this.jitteredTtlMs();
    // Read from a replica that had not replayed the latest change yet: it may answer, not stay.
    const current = (entry: Loaded<T>) => this.changes.covers(invalidatedAs, entry.lsn);
    let servedStale = false;
    const loadEntry = async (ticket: LoadTicket): Promise<Loaded<T>> => {
      misses.inc({ cache: label });
      let entry: Loaded<T>;
      try {
        entry = await load();
      } catch (error) {
        const stale = lastLoaded.standIn<T>(key, error, atLeastLsn);
        if (!stale) throw error;
        staleServed.inc({ cache: label });
        servedStale = true;
        return stale;
      }
      if (!current(entry)) ticket.stale = true;
      if (ticket.stale) return entry;
      lastLoaded.set(key, entry, ttl);
      await shared?.set(key, entry, ttl).catch(() => undefined);
      return entry;
    };
    let missed: LoadTicket | undefined;
    let entry = await memory.wrap<Loaded<T>>(
      key,
      async () => {
        const ticket = this.beginLoad(key);
        missed = ticket;
        try {
          const fromRedis = await shared?.get<Loaded<T>>(key).catch(() => undefined);
          if (fromRedis && current(fromRedis)) {
            hits.inc({ cache: label, tier: 'redis' });
            if (!ticket.stale) lastLoaded.set(key, fromRedis, ttl);
            return fromRedis;
          }
          return await loadEntry(ticket);
        } finally {
          this.endLoad(key, ticket);
        }
      },
      // A stale answer is kept a moment only: the next read after it tries the database again.
      () => (servedStale ? STALE_KEPT_MS : ttl),
    );
    if (!missed) memoryHits(label).inc();
    else if (missed.stale) await memory.del(key); // wrap kept what an invalidation has since made stale
    if (atLeastLsn && !lsnAtLeast(entry.lsn, atLeastLsn)) {
      const ticket = this.beginLoad(key);
      try {
        entry = await loadEntry(ticket);
      } finally {
        this.endLoad(key, ticket);
      }
      if (!ticket.stale) await memory.set(key, entry, servedStale ? STALE_KEPT_MS : ttl);
    }
    return entry.value;
  }

  private beginLoad(key: string): LoadTicket {
    const ticket: LoadTicket = { stale: false };
    let tickets = this.loads.get(key);
    if (!tickets) this.loads.set(key, (tickets = new Set()));
    tickets.add(ticket);
    return ticket;
  }

  private endLoad(key: string, ticket: LoadTicket): void {
    const tickets = this.loads.get(key);
    tickets?.delete(ticket);
    if (tickets?.size === 0) this.loads.delete(key);
  }

  /**
   * Forgets keys and namespaces in both tiers here and in every other replica's memory tier.
   * `changedAt`, the WAL position of the change that made them stale, keeps every replica from
   * keeping a value read before it, as from a replica still behind the change.
   */
  async invalidate(keys: readonly string[], changedAt?: string): Promise<void> {
    if (keys.length === 0) return;
    await this.deleteShared(keys);
    await this.bus.publish(keys, changedAt);
    if (this.shared) {
      // A replica that read the old row just before the change may write it to Redis just
      // after the delete above, before the bus reaches it: delete once more a moment later.
      const redelete = setTimeout(() => {
        this.pendingRedeletes.delete(redelete);
        void this.deleteShared(keys);
      }, REDELETE_AFTER_MS);
      redelete.unref();
      this.pendingRedeletes.add(redelete);
    }
  }

  private async deleteShared(keys: readonly string[]): Promise<void> {
    await this.shared?.mdel([...keys]).catch((error: unknown) => this.logger.warn(`invalidation: ${String(error)}`));
  }

  private async dropLocal(keys: readonly string[], changedAt: string | undefined): Promise<void> {
    if (changedAt) this.changes.record(keys, changedAt);
    for (const [loading, tickets] of this.loads) {
      // A namespace's keys are `<namespace>:<key>`: invalidating the namespace stales them all.
      if (keys.some((key) => loading === key || loading.startsWith(`${key}:`)))
        for (const ticket of tickets) ticket.stale = true;
    }
    await this.memory.mdel([...keys]);
    for (const key of keys) {
      this.lastLoaded.forget(key);
      const namespace = this.namespaces.get(key);
      namespace?.lastLoaded.clear();
      await namespace?.cache.clear();
    }
  }

  async close(): Promise<void> {
    for (const redelete of this.pendingRedeletes) clearTimeout(redelete);
    await this.shared?.disconnect().catch(() => undefined);
  }

  private jitteredTtlMs(): number {
    // ±20 %: entries loaded together do not all expire together.
    return Math.round(this.options.ttlSeconds * 1000 * (0.8 + Math.random() * 0.4));
  }
}

interface LoadTicket {
  /** Set when the key was invalidated while this load was in flight. */
  stale: boolean;
}

const REDELETE_AFTER_MS = 500;

/** How long a stale answer stays in the memory tier: at most one load a second per key tries the database. */
const STALE_KEPT_MS = 1000;

/** What Keyv keeps in its store for a value: the value and its expiry time in ms, if any. */
interface KeyvEnvelope<T> {
  readonly value: T;
  readonly expires?: number | null;
}

function peekStore<T>(store: CacheableMemory, key: string, label: string): T | undefined {
  const held = store.get<KeyvEnvelope<Loaded<T>>>(key);
  if (!held || (typeof held.expires === 'number' && held.expires <= Date.now())) return undefined;
  memoryHits(label).inc();
  return held.value.value;
}

/** Memory hits are counted on every cached read: the labelled child is looked up once per family. */
const memoryHitCounters = new Map<string, ReturnType<Counter['labels']>>();
function memoryHits(label: string): ReturnType<Counter['labels']> {
  let child = memoryHitCounters.get(label);
  if (!child) memoryHitCounters.set(label, (child = hits.labels({ cache: label, tier: 'memory' })));
  return child;
}

function memoryCache(ttlSeconds: number, lruSize: number): { cache: Cache; store: CacheableMemory } {
  // One shard: with the store's default 16, every hit hashes its key to pick a Map (0021).
  const store = new CacheableMemory({ ttl: ttlSeconds * 1000, lruSize, useClone: false, storeHashSize: 1 });
  // No key prefix: `peek` reads the store by the cache's own keys.
  const memory = new Keyv({ store, useKeyPrefix: false });
  // No JSON encoding or cloning per hit: callers never mutate the values.
  memory.serialize = undefined;
  memory.deserialize = undefined;
  return { cache: createCache({ stores: [memory] }), store };
}

/**
 * The Redis tier's client is @keyv/redis's own (node-redis), which knows Sentinel and Cluster:
 * on a Cluster its multi-key deletes go slot by slot, so entries need no hash tag.
 */
function sharedTier(target: RedisTarget, namespace: string): Keyv {
  // What @keyv/redis's createKeyv does, with the connection types its constructor takes.
  return new Keyv(new KeyvRedis(keyvConnection(target), { namespace }), { namespace, useKeyPrefix: false });
}

function keyvConnection(target: RedisTarget): ConstructorParameters<typeof KeyvRedis>[0] {
  if (target.kind === 'standalone') return target.url;
  const auth = {
    ...(target.auth.username ? { username: target.auth.username } : {}),
    ...(target.auth.password ? { password: target.auth.password } : {}),
  };
  if (target.kind === 'cluster')
    return {
      rootNodes: target.nodes.map((node) => ({ socket: { host: node.host, port: node.port } })),
      defaults: auth,
    };
  return {
    name: target.masterName,
    sentinelRootNodes: target.sentinels.map((node) => ({ host: node.host, port: node.port })),
    nodeClientOptions: auth,
    ...(target.sentinelPassword ? { sentinelClientOptions: { password: target.sentinelPassword } } : {}),
  };
}

/** `catalog:product:<id>` -> `catalog:product`: a metric label with bounded cardinality. */
function family(key: string): string {
  const second = key.indexOf(':', key.indexOf(':') + 1);
  return second < 0 ? key : key.slice(0, second);
}
