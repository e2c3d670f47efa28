import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { Queue, type Worker } from 'bullmq';
import { ProcessState, SETTINGS, type Settings } from '#libs/config';
import { QueueConnectionLog } from './queue-connection-log';

/**
 * Starts the job workers of this process once it has started, and drains them on shutdown; their
 * connection errors, and those of the queues modules add jobs to, go to the QueueConnectionLog.
 */
@Injectable()
export class QueueWorkers implements OnApplicationBootstrap {
  private readonly logger = new Logger('QueueWorkers');
  private workers: Worker[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly state: ProcessState,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly connectionLog: QueueConnectionLog,
  ) {}

  onApplicationBootstrap(): void {
    const instances = this.discovery.getProviders().map((wrapper) => wrapper.instance as unknown);
    // The queues modules register with `BullModule.registerQueue`, to add jobs to.
    for (const queue of instances.filter((instance) => instance instanceof Queue)) this.connectionLog.watch(queue);
    const hosts = instances.filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
    for (const host of hosts) {
      host.worker.concurrency = this.settings.workerConcurrency;
      this.register(host.worker);
    }
    this.state.onStarted(() => this.start());
  }

  /** Adds a paused worker; it starts with the others once the process has started. */
  register(worker: Worker): void {
    this.connectionLog.watch(worker);
    this.workers.push(worker);
    if (this.state.started) this.start();
  }

  get running(): string[] {
    return this.workers.filter((w) => w.isRunning()).map((w) => w.name);
  }

  private start(): void {
    for (const worker of this.workers) {
      if (worker.isRunning() || this.state.draining) continue;
      worker.run().catch((error: unknown) => this.logger.error(`queue ${worker.name} stopped: ${String(error)}`));
      this.logger.log(`consuming queue ${worker.name}`);
    }
  }

  /**
   * Stops taking jobs and waits for active ones; past the timeout, closes by force so the
   * active jobs stall and another worker takes them over (BullMQ's stalled-job recovery).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.workers.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = Promise.all(this.workers.map((worker) => worker.close())).then(() => true);
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const drained = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    if (!drained) {
      this.logger.warn('active jobs did not finish in time; handing them back to the queue');
      await Promise.all(this.workers.map((worker) => worker.close(true)));
    }
    return drained;
  }
}
