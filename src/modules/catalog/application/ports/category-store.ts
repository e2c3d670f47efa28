import type { DataSource, EntityManager } from 'typeorm';

export interface StoredCategory {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  readonly parentId: string | null;
  /** `/<root id>/.../<own id>/`: descendants of a category share its path as a prefix. */
  readonly path: string;
}

/** Categories, on the caller's transaction or read server (`on`), else the primary. */
export abstract class CategoryStore {
  abstract byId(id: string, on?: DataSource | EntityManager): Promise<StoredCategory | null>;
  /** The whole tree, parents before their children. */
  abstract all(on: DataSource): Promise<StoredCategory[]>;
  /** False when another category has its slug. */
  abstract insert(category: StoredCategory): Promise<boolean>;
}
