import {
  EventSubscriber,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

/** Where a transaction's callbacks wait: its query runner's `data`, which TypeORM keeps for subscribers. */
const CALLBACKS = 'tessera.afterCommit';

type Callbacks = Map<string, () => void>;

/**
 * Runs `callback` once the transaction `manager` is in has committed (not at all if it rolls
 * back). Callbacks with one `key` run once per transaction. For signals to other processes
 * that must not be sent before the commit, nor hold it up (see `OutboxDoorbell`). A callback
 * must not throw: the commit has happened, so there is no one left to tell.
 */
export function afterCommit(manager: EntityManager, key: string, callback: () => void): void {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) throw new Error('afterCommit: call it inside a transaction');
  const data = runner.data as Record<string, Callbacks | undefined>;
  const callbacks = data[CALLBACKS] ?? new Map<string, () => void>();
  data[CALLBACKS] = callbacks;
  if (!callbacks.has(key)) callbacks.set(key, callback);
}

/** Takes the callbacks off a runner whose outermost transaction has ended. */
function takeCallbacks(runner: QueryRunner): Callbacks | undefined {
  // A released savepoint or one rolled back is also broadcast: only the outer end counts.
  if (runner.isTransactionActive) return undefined;
  const data = runner.data as Record<string, Callbacks | undefined>;
  const callbacks = data[CALLBACKS];
  delete data[CALLBACKS];
  return callbacks;
}

/** Runs `afterCommit` callbacks; every module data source has it among its subscribers. */
@EventSubscriber()
export class AfterCommitCallbacks implements EntitySubscriberInterface {
  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    for (const callback of takeCallbacks(queryRunner)?.values() ?? []) {
      try {
        callback();
      } catch {
        // Documented as not throwing; a throw here would fail a write that has committed.
      }
    }
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    takeCallbacks(queryRunner);
  }
}
