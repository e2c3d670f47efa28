import type { Settings } from '#libs/config';
import {
  closeQueueBackend,
  DeadLetters,
  EventQueues,
  QueueConnectionLog,
  selectQueueBackend,
  type SubscriptionTable,
} from '#libs/messaging';

/**
 * `node dist/main.js events dead-letters|replay`: the operator CLI over the same dead letters
 * the admin API serves. It talks to the queue backend directly, so it works while the app
 * is down too.
 */
export async function runEventsCommand(
  command: { action: 'dead-letters' } | { action: 'replay'; ids: readonly string[] | 'all' },
  settings: Settings,
  primaryUrl: string,
  subscriptions: SubscriptionTable,
): Promise<void> {
  const backend = selectQueueBackend(settings.redis, settings.queuePrefix, primaryUrl);
  const queues = new EventQueues(backend, new QueueConnectionLog());
  const deadLetters = new DeadLetters(subscriptions, queues);
  try {
    if (command.action === 'dead-letters') {
      const { items, total } = await deadLetters.list(Number.MAX_SAFE_INTEGER, 0);
      for (const item of items) {
        process.stdout.write(
          `${item.id}\t${item.event}\tattempts=${item.attempts}\t${item.failedAt ?? ''}\t${item.reason}\n`,
        );
      }
      process.stdout.write(`${total} dead letter(s)\n`);
    } else {
      const { replayed, notFound } = await deadLetters.replay(command.ids);
      for (const id of replayed) process.stdout.write(`replayed ${id}\n`);
      for (const id of notFound) process.stdout.write(`not a dead letter: ${id}\n`);
      process.stdout.write(`${replayed.length} replayed, ${notFound.length} not found\n`);
      if (notFound.length > 0) process.exitCode = 1;
    }
  } finally {
    await queues.close();
    await closeQueueBackend(backend);
  }
}
