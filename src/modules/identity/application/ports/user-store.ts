import type { EntityManager } from 'typeorm';
import type { UserPosition } from '../../domain/user-cursor';

/** An account as identity stores it (the email trimmed and lower-cased). */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly roles: string[];
  readonly version: number;
  readonly createdAt: Date;
}

/** An account in the admin list, with its exact place in it. */
export interface ListedUser {
  readonly id: string;
  readonly email: string;
  readonly roles: string[];
  readonly createdAt: Date;
  readonly position: UserPosition;
}

/** Identity's accounts. Methods taking a manager run in the caller's transaction. */
export abstract class UserStore {
  abstract findById(id: string, manager?: EntityManager): Promise<User | undefined>;
  abstract findByEmail(email: string): Promise<User | undefined>;
  /** Locked until the caller's transaction ends. */
  abstract lock(manager: EntityManager, id: string): Promise<User | undefined>;
  /**
   * The accounts of `ids` that exist and every admin, locked until the caller's transaction
   * ends. Rows are locked in id order, so two callers locking overlapping sets cannot deadlock.
   */
  abstract lockWithAdmins(manager: EntityManager, ids: readonly string[]): Promise<User[]>;
  /** At version 1; false when the email is taken. */
  abstract insert(manager: EntityManager, user: Omit<User, 'version' | 'createdAt'>): Promise<boolean>;
  /** Returns the user's new version. */
  abstract changeRoles(manager: EntityManager, user: User, roles: string[]): Promise<number>;
  /** Oldest first (creation time, then id), after `after` when given. */
  abstract page(limit: number, after: UserPosition | undefined): Promise<ListedUser[]>;
}
