import { spawn } from 'node:child_process';
import { watchLoopCoreTime } from './loop-core-time';

const busyFor = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) Math.sqrt(Math.random());
};

describe('the time an event loop had its core, from the kernel', () => {
  it('counts a busy loop as running and a sleeping one as neither running nor waiting', async () => {
    const busy = watchLoopCoreTime(process.pid);
    busyFor(300);
    const ran = busy.stop()!;
    // The rest is time spent waiting for a core, if the machine is busy meanwhile.
    expect(ran.ran + ran.waited).toBeGreaterThan(0.9);
    expect(ran.ran).toBeGreaterThan(0.2);

    const idle = watchLoopCoreTime(process.pid);
    await new Promise((r) => setTimeout(r, 300));
    const slept = idle.stop()!;
    // The watched pid is the whole test worker: its other threads (GC, the compiler) run under a
    // loaded CI machine too, so the bound only has to set sleep apart from the busy loop's 0.9.
    expect(slept.ran + slept.waited).toBeLessThan(0.5);
  });

  it('counts the time a loop waits while another process holds its only core', async () => {
    // Two busy processes pinned to one core: each runs about half the time and waits the rest.
    const hog = () =>
      spawn('taskset', ['-c', '0', process.execPath, '-e', 'const e = Date.now() + 1500; while (Date.now() < e);'], {
        stdio: 'ignore',
      });
    const [first, second] = [hog(), hog()];
    await new Promise((r) => setTimeout(r, 300));
    const watch = watchLoopCoreTime(first.pid!);
    await new Promise((r) => setTimeout(r, 800));
    const shares = watch.stop()!;
    await Promise.all([first, second].map((child) => new Promise((r) => child.once('exit', r))));
    expect(shares.waited).toBeGreaterThan(0.25);
    expect(shares.ran).toBeGreaterThan(0.1);
    expect(shares.ran + shares.waited).toBeGreaterThan(0.9);
  });

  it('reads nothing for a process that is gone', () => {
    expect(watchLoopCoreTime(2 ** 22 + 1).stop()).toBeUndefined();
  });
});
