import type { ModuleManifest } from '#libs/modularity';

export interface PrecedenceOptions {
  /** Modules whose jobs go first. Empty: no order, nothing waits. */
  readonly first: readonly string[];
  /** The longest a job of another module waits for its turn before it starts anyway. */
  readonly maxWaitMs: number;
  /** Told how long each job that had to wait waited, and whether its turn came or time ran out. */
  readonly onWaited?: (module: string, waitedMs: number, outcome: 'turn' | 'max_wait') => void;
}

interface Waiter {
  readonly start: () => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Which modules' jobs go first in a process running several (docs/decisions/0012-worker-precedence.md):
 * one event loop means CPU shares cannot order the work inside it. Others wait at most `maxWaitMs`.
 */
export class WorkerPrecedence {
  private first = new Set<string>();
  private maxWaitMs = 0;
  private onWaited: PrecedenceOptions['onWaited'];
  private running = 0;
  private waiting = new Set<Waiter>();

  configure(options: PrecedenceOptions): void {
    this.first = new Set(options.first);
    this.maxWaitMs = options.maxWaitMs;
    this.onWaited = options.onWaited;
    this.startWaiting();
  }

  /** Runs a job of `module` in its turn: at once if the module goes first or nothing it yields to runs. */
  inTurn<T>(module: string, job: () => Promise<T>): Promise<T> {
    if (this.first.has(module)) return this.runFirst(job);
    if (this.running === 0) return job();
    return this.turnOf(module).then(job);
  }

  /** Jobs of modules that go first running now, and jobs of others waiting for their turn. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.size };
  }

  private async runFirst<T>(job: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      if (this.running === 0) this.startWaiting();
    }
  }

  private turnOf(module: string): Promise<void> {
    const since = performance.now();
    return new Promise((resolve) => {
      const started = (outcome: 'turn' | 'max_wait') => () => {
        this.waiting.delete(waiter);
        clearTimeout(waiter.timer);
        this.onWaited?.(module, performance.now() - since, outcome);
        resolve();
      };
      const waiter: Waiter = { start: started('turn'), timer: setTimeout(() => started('max_wait')(), this.maxWaitMs) };
      this.waiting.add(waiter);
    });
  }

  private startWaiting(): void {
    for (const waiter of [...this.waiting]) waiter.start();
  }
}

/** WORKER_FIRST_MODULES when set (`none` for no order), else the manifests declaring `jobsGoFirst`. */
export function firstModules(setting: readonly string[] | undefined, manifests: readonly ModuleManifest[]): string[] {
  if (setting) return setting.includes('none') ? [] : [...setting];
  return manifests.filter((manifest) => manifest.jobsGoFirst).map((manifest) => manifest.name);
}

/** The process's one precedence: every worker of the process shares its event loop. */
export const workerPrecedence = new WorkerPrecedence();
