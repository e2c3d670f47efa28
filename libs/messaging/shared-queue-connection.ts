import {
  PostgresConnection,
  PostgresQueueBackend,
  setDefaultBackendFactory,
  type BackendFactory,
  type PostgresConnectionOptions,
  type PostgresPoolConfig,
  type QueueBaseOptions,
} from 'bullmq';
import type { Pool } from 'pg';
import {
  closeUnfitConnections,
  databaseLabel,
  SHARED_LOCK_HOLDERS_SQL,
  trackPool,
  untrackPool,
  type DatabaseListener,
} from '#libs/database';

/**
 * One BullMQ PostgreSQL connection for the whole process, on the `queues` share and the process's
 * LISTEN (BullMQ's own factory opens dozens; docs/decisions/0018-queue-backends.md). `end()` closes it.
 */
export class SharedQueueConnection extends PostgresConnection {
  private ending = false;
  private readonly metrics: { readonly role: 'queues'; readonly database: string; readonly pool: Pool };

  constructor(
    config: PostgresPoolConfig & { readonly connectionString: string },
    private readonly listener: DatabaseListener,
  ) {
    super(config);
    // Each queue and worker of the process subscribes to this connection's events.
    this.setMaxListeners(0);
    // BullMQ's blocked workers re-LISTEN and wake when told the listening connection was lost.
    listener.onReconnect(() => this.emit('listenerinvalidated'));
    // As the app's pools: a connection that reached a demoted primary is closed, not reused.
    closeUnfitConnections(this.pool as Pool);
    this.metrics = { role: 'queues', database: databaseLabel(config.connectionString), pool: this.pool as Pool };
    trackPool(this.metrics);
  }

  override getListenClient(): ReturnType<PostgresConnection['getListenClient']> {
    // BullMQ sends LISTEN and listens for notifications: nothing else of a client.
    return this.listener.session() as unknown as ReturnType<PostgresConnection['getListenClient']>;
  }

  /** The listening connection is the process's, named for it; BullMQ does not rename it. */
  override setListenClientName(): Promise<void> {
    return Promise.resolve();
  }

  override close(): Promise<void> {
    return this.ending ? super.close() : Promise.resolve();
  }

  override disconnect(): Promise<void> {
    return this.close();
  }

  /** Closes the pool, once the queues and workers of the process are closed. */
  end(): Promise<void> {
    this.ending = true;
    untrackPool(this.metrics);
    return super.close();
  }

  /** Makes every BullMQ queue and worker the process creates from now on use this connection. */
  useForEveryQueue(): void {
    const factory: BackendFactory = (name, opts, kind) =>
      new SharedConnectionBackend(
        this,
        name,
        opts as QueueBaseOptions<PostgresConnectionOptions>,
        kind?.withBlockingConnection === true,
      );
    setDefaultBackendFactory(factory);
  }

  /** This process consumes `queue` (one of its workers is running). */
  announceConsumer(queue: string): Promise<void> {
    return this.listener.holdSharedLock(consumerKey(queue));
  }

  withdrawConsumer(queue: string): Promise<void> {
    return this.listener.releaseSharedLock(consumerKey(queue));
  }

  /** How many processes consume `queue`, whichever process asks. */
  async consumersOf(queue: string): Promise<number> {
    const { rows } = await this.pool.query<{ holders: number }>(SHARED_LOCK_HOLDERS_SQL, [consumerKey(queue)]);
    return rows[0]?.holders ?? 0;
  }
}

const consumerKey = (queue: string) => `tessera:queue-consumer:${queue}`;

/** BullMQ counts workers by LISTEN session names; here a worker holds a shared advisory lock instead. */
class SharedConnectionBackend extends PostgresQueueBackend {
  private consuming = false;

  constructor(
    private readonly shared: SharedQueueConnection,
    private readonly queue: string,
    opts: QueueBaseOptions<PostgresConnectionOptions>,
    private readonly isWorker: boolean,
  ) {
    super(shared, queue, opts, true);
  }

  override async waitUntilReady(): Promise<void> {
    await super.waitUntilReady();
    if (this.isWorker && !this.consuming) {
      this.consuming = true;
      await this.shared.announceConsumer(this.queue);
    }
  }

  override async close(force?: boolean): Promise<void> {
    if (this.consuming) {
      this.consuming = false;
      await this.shared.withdrawConsumer(this.queue).catch(() => undefined);
    }
    return super.close(force);
  }

  override async getClientList(): Promise<string[]> {
    const consumers = await this.shared.consumersOf(this.queue);
    return [Array.from({ length: consumers }, () => `name=${this.queue}`).join('\n')];
  }
}
