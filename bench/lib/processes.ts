import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { ROOT } from '../../test/support/app-process';

/** A node process pinned to `cores` (taskset list such as `0` or `0,1`). */
export function pinnedNode(cores: string, argv: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn('taskset', ['-c', cores, process.execPath, ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function waitForStatus(url: string, status = 200, timeoutMs = 120_000): Promise<void> {
  return waitFor(async () => (await fetch(url)).status === status, `${url} to answer ${status}`, timeoutMs);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Moves this process (every thread: autocannon and pg run in it) to `cores`, so the load
 * generator never competes with a server pinned elsewhere.
 */
export function pinSelf(cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

/**
 * Sets the niceness of every thread of a process. Linux applies setpriority to one thread;
 * V8's and libuv's threads already exist, so each task gets it, not only the main one.
 */
export function reniceProcess(pid: number, niceness: number): void {
  for (const task of readdirSync(`/proc/${pid}/task`)) setPriority(Number(task), niceness);
}
