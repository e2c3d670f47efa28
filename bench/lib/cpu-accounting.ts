import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Where the machine's cores went during a run, as shares of all cores × the run's wall time. */
export type CpuShares = Record<string, number>;

/** CPU ticks (user + system, 1/100 s) a process has used so far; 0 once it has exited. */
export function processTicks(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // exited between listing and reading
  }
}

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy, total: busy + idle! + iowait! };
}

/** Every process with this exact name (`pgrep -x`), e.g. all PostgreSQL backends. */
export function pidsNamed(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Samples CPU ticks of named groups of processes now; `stop()` returns each group's share of
 * the machine's capacity since then, plus `other` (busy, in no group) and `idle`.
 */
export function startCpuAccounting(groups: Record<string, () => readonly number[]>): { stop(): CpuShares } {
  const read = () => Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, ticksOf(pids())]));
  const ticksOf = (pids: readonly number[]) => new Map(pids.map((pid) => [pid, processTicks(pid)]));
  const before = read();
  const machineBefore = machineTicks();
  return {
    stop() {
      const after = read();
      const machine = machineTicks();
      const total = machine.total - machineBefore.total || 1;
      const shares: CpuShares = {};
      let grouped = 0;
      for (const name of Object.keys(groups)) {
        let ticks = 0;
        // Processes that started during the run count from zero.
        for (const [pid, t] of after[name]!) ticks += t - (before[name]!.get(pid) ?? 0);
        shares[name] = Math.round((ticks / total) * 1000) / 1000;
        grouped += ticks;
      }
      // Per-process and machine counters are read a moment apart: clamp the rounding below zero.
      shares.other = Math.max(0, Math.round(((machine.busy - machineBefore.busy - grouped) / total) * 1000) / 1000);
      shares.idle = Math.round(((total - (machine.busy - machineBefore.busy)) / total) * 1000) / 1000;
      return shares;
    },
  };
}
