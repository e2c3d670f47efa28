import { Injectable, Logger } from '@nestjs/common';
import { RepeatedFailureLog } from '#libs/observability';

/** A BullMQ Queue or Worker: each has its own connection, and says when it fails. */
interface QueueClient {
  readonly name: string;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The connection errors of every queue and worker of the process, in one log: while the queue
 * backend is down each of them reports every reconnect attempt, so the outage is summed up
 * (RepeatedFailureLog). Listening also keeps them in the JSON log: BullMQ prints an error no
 * one listens for to stderr, as it is.
 */
@Injectable()
export class QueueConnectionLog {
  private readonly failures = new RepeatedFailureLog(new Logger('Queues'), 'queue connection failed', 'when-quiet');

  watch(client: QueueClient): void {
    client.on('error', (error) => this.failures.failed(`${client.name}: ${error.message}`));
  }
}
