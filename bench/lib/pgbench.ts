import { execFileSync } from 'node:child_process';

/** Creates pgbench's tables (scale 10: 1,000,000 accounts) in an empty database. */
export function initPgbench(url: string, scale = 10): void {
  execFileSync('pgbench', ['-i', '-s', String(scale), '-q', url], { stdio: 'ignore' });
}

/**
 * One pgbench run, pinned to the load generator's core: `select-only` is `-S` (one
 * primary-key read per transaction), `tpcb` the default TPC-B-like write transaction.
 * Returns transactions per second (without connection set-up).
 */
export function runPgbench(options: {
  url: string;
  mode: 'select-only' | 'tpcb';
  clients: number;
  seconds: number;
  cores?: string;
}): number {
  const out = execFileSync(
    'taskset',
    [
      '-c',
      options.cores ?? '1',
      'pgbench',
      ...(options.mode === 'select-only' ? ['-S'] : []),
      '-n',
      '-c',
      String(options.clients),
      '-j',
      '1',
      '-T',
      String(options.seconds),
      options.url,
    ],
    { encoding: 'utf8' },
  );
  return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0);
}
