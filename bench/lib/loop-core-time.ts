import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * How a process's main thread (its event loop) spent a run, as shares of the run's wall time:
 * on a core, or runnable and waiting in a run queue for one. A pinned server whose loop waits
 * is losing its core to other processes (unpinned database backends woken on it, say),
 * whatever its own code costs; that is what makes a run slower than the one before it.
 */
export interface LoopCoreTime {
  readonly ran: number;
  readonly waited: number;
}

/** The main thread's time on a core and in a run queue so far (ns), from `/proc/<pid>/schedstat`. */
function schedstat(pid: number): { ranNs: number; waitedNs: number } | undefined {
  try {
    const [ranNs, waitedNs] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return ranNs !== undefined && waitedNs !== undefined ? { ranNs, waitedNs } : undefined;
  } catch {
    return undefined; // exited, or a kernel without schedstats
  }
}

export function watchLoopCoreTime(pid: number): { stop(): LoopCoreTime | undefined } {
  const before = schedstat(pid);
  const since = performance.now();
  return {
    stop() {
      const after = schedstat(pid);
      const wallNs = (performance.now() - since) * 1e6;
      if (!before || !after || wallNs <= 0) return undefined;
      const share = (ns: number) => Math.round((ns / wallNs) * 1000) / 1000;
      return { ran: share(after.ranNs - before.ranNs), waited: share(after.waitedNs - before.waitedNs) };
    },
  };
}
