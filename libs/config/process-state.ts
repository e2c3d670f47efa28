/**
 * Where this process is in its life: started (migrations ran, workers may consume) and
 * draining (SIGTERM arrived: readiness answers 503 so load balancers move traffic away).
 */
export class ProcessState {
  private startedAt: Date | undefined;
  private drainingSince: Date | undefined;
  private readonly startedListeners: (() => void)[] = [];

  get started(): boolean {
    return this.startedAt !== undefined;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  markStarted(): void {
    if (this.startedAt) return;
    this.startedAt = new Date();
    for (const listener of this.startedListeners.splice(0)) listener();
  }

  markDraining(): void {
    this.drainingSince ??= new Date();
  }

  /** Runs `listener` once the process has started (at once if it already has). */
  onStarted(listener: () => void): void {
    if (this.started) listener();
    else this.startedListeners.push(listener);
  }
}
