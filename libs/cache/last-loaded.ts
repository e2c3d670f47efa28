import { CacheableMemory } from 'cacheable';
import { databaseUnreachable } from '../database/database-unreachable';
import { lsnAtLeast } from '../database/lsn';

/** A loaded value and the WAL position it is at least as fresh as (see ReadDataSource). */
export interface Loaded<T> {
  readonly value: T;
  readonly lsn: string;
}

/**
 * The last entry loaded for each key of one memory cache, kept until `staleForMs` past its TTL
 * to stand in for loads that fail because the database cannot be reached. An invalidation
 * forgets it, so what a change made stale is never served. An LRU of the memory cache's size
 * holding the same objects; nothing is kept when `staleForMs` is 0.
 */
export class LastLoaded {
  private readonly store: CacheableMemory | undefined;

  constructor(
    private readonly staleForMs: number,
    lruSize: number,
  ) {
    if (staleForMs > 0) this.store = new CacheableMemory({ lruSize, useClone: false, storeHashSize: 1 });
  }

  set<T>(key: string, entry: Loaded<T>, ttlMs: number): void {
    this.store?.set(key, entry, ttlMs + this.staleForMs);
  }

  /**
   * The entry that may answer instead of a load that failed with `error`: only when the database
   * could not be reached, and never one older than a consistency token asks for.
   */
  standIn<T>(key: string, error: unknown, atLeastLsn: string | undefined): Loaded<T> | undefined {
    if (!this.store || !databaseUnreachable(error)) return undefined;
    const entry = this.store.get<Loaded<T>>(key);
    return entry && (!atLeastLsn || lsnAtLeast(entry.lsn, atLeastLsn)) ? entry : undefined;
  }

  forget(key: string): void {
    this.store?.delete(key);
  }

  clear(): void {
    this.store?.clear();
  }
}
