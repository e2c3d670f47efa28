import { execFileSync } from 'node:child_process';

/**
 * Milliseconds a fixed piece of JavaScript work (JSON out and back, as a request's body and
 * response cost) takes on this process's core now, the least of three tries. The same code
 * takes longer when a VM's host is busy with other tenants; `%steal` does not show that, and
 * neither do baselines bound by PostgreSQL's commits.
 */
export function fixedWorkMs(rounds = 20_000): number {
  // Everything it uses is inside it (and `performance` is the global one): fixedWorkMsOnCore
  // runs its source text in another process.
  const SAMPLE = {
    id: '7f1c2e4a-9b3d-4c5e-8f6a-1b2c3d4e5f60',
    status: 'pending',
    lines: Array.from({ length: 3 }, (_, i) => ({
      productId: `p-${i}`,
      sku: `SKU-${i}`,
      quantity: i + 1,
      unitPrice: { amount: 1299, currency: 'EUR' },
    })),
    total: { amount: 7794, currency: 'EUR' },
    createdAt: '2026-12-04T21:00:00.000Z',
  };
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) sink += (JSON.parse(JSON.stringify({ ...SAMPLE, n: i })) as { n: number }).n;
    best = Math.min(best, performance.now() - started);
  }
  // Keeps the loop from being optimised away.
  if (sink < 0) throw new Error('unreachable');
  return Math.round(best * 10) / 10;
}

/**
 * `fixedWorkMs` in a fresh process pinned to `core`: the core the app is pinned to may be the
 * slow one of a VM, and this process runs wherever the scheduler puts it. Under the real-time
 * FIFO policy where permitted (root), so that what else runs on that core (a saga draining its
 * backlog, PostgreSQL's backends) waits and the figure is the core's speed, not its queue.
 */
export function fixedWorkMsOnCore(core: number, rounds = 20_000): number {
  const probe = `process.stdout.write(String((${fixedWorkMs.toString()})(${rounds})))`;
  const pinned = ['taskset', '-c', String(core), process.execPath, '-e', probe];
  try {
    return Number(execFileSync('chrt', ['--fifo', '50', ...pinned], { encoding: 'utf8', stdio: 'pipe' }));
  } catch (error) {
    if (!/Operation not permitted|ENOENT/.test(String((error as { stderr?: unknown }).stderr ?? error))) throw error;
    return Number(execFileSync(pinned[0]!, pinned.slice(1), { encoding: 'utf8' }));
  }
}
