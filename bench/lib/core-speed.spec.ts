import { execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fixedWorkMs, fixedWorkMsOnCore } from './core-speed';

describe('a fixed piece of work as a probe of the core speed', () => {
  it('takes time in proportion to the work', () => {
    const small = fixedWorkMs(2_000);
    const large = fixedWorkMs(20_000);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small * 3);
  });

  it('runs on the core it is given, each core of the machine', () => {
    for (const core of cpus().keys()) expect(fixedWorkMsOnCore(core, 2_000)).toBeGreaterThan(0);
    expect(() => fixedWorkMsOnCore(cpus().length)).toThrow();
  });

  it('times the core, not what queues on it, where real-time priority is permitted', async () => {
    try {
      execFileSync('chrt', ['--fifo', '50', 'true'], { stdio: 'ignore' });
    } catch {
      return; // Not root: the probe falls back to normal priority, and this does not hold.
    }
    // Long enough that a share of the core, not the moment the probe starts, decides its time.
    const quiet = fixedWorkMsOnCore(0, 20_000);
    const hogs = [0, 1].map(() =>
      spawn('taskset', ['-c', '0', process.execPath, '-e', 'const e = Date.now() + 2000; while (Date.now() < e);'], {
        stdio: 'ignore',
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    // Two busy processes on core 0 would leave a probe at normal priority a third of it: three times as long.
    const queued = fixedWorkMsOnCore(0, 20_000);
    await Promise.all(hogs.map((child) => new Promise((r) => child.once('exit', r))));
    expect(queued).toBeLessThan(quiet * 2);
  });
});
