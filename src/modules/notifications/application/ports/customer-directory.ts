import type { EntityManager } from 'typeorm';

/** identity's accounts as notifications copies them, in the caller's transaction. */
export abstract class CustomerDirectory {
  /** Records or refreshes an account's copy; a later event of the same account wins. */
  abstract upsert(manager: EntityManager, customer: { userId: string; email: string; isAdmin: boolean }): Promise<void>;
  abstract setAdmin(manager: EntityManager, userId: string, isAdmin: boolean): Promise<void>;
  /** The known email addresses of these accounts, by account id (an account never announced is absent). */
  abstract emailsOf(manager: EntityManager, userIds: readonly string[]): Promise<Map<string, string>>;
}
