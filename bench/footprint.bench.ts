/**
 * Deployment footprint (`npm run bench:footprint`): the image's payload estimated as
 * production node_modules plus dist; cold start to ready of one process against an
 * already-migrated database (median of 5); resident memory at idle.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTRYPOINTS, ROOT, runToExit } from '../test/support/app-process';
import { freePort } from '../test/support/free-port';
import { createTestDatabase } from '../test/support/test-database';

function megabytes(path: string): number {
  return Math.round(Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]) / 1e5) / 10;
}

async function productionDependencies(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-prod-deps-'));
  try {
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir, file));
    execFileSync('npm', ['ci', '--omit=dev', '--omit=optional', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: 'ignore',
    });
    return megabytes(join(dir, 'node_modules'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function coldStart(databaseUrl: string): Promise<{ ms: number; rssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  // The image's NODE_OPTIONS (docker/Dockerfile).
  const child = spawn(process.execPath, ['--max-semi-space-size=4', ENTRYPOINTS.main], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (performance.now() - started > 30_000) throw new Error('not ready within 30 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = performance.now() - started;
    await new Promise((r) => setTimeout(r, 5000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ms: Math.round(ms), rssMb: Math.round(rssKb / 102.4) / 10 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench_footprint');
  try {
    await runToExit({ entry: 'main', args: ['migrate'], env: { DATABASE_URL: db.url } });
    const starts = [];
    for (let i = 0; i < 5; i++) starts.push(await coldStart(db.url));
    const sorted = [...starts].sort((a, b) => a.ms - b.ms);
    const median = sorted[2]!;
    const nodeModulesMb = await productionDependencies();
    const distMb = megabytes(join(ROOT, 'dist'));
    const report = {
      nodeModulesMb,
      distMb,
      payloadMb: Math.round((nodeModulesMb + distMb) * 10) / 10,
      coldStartMs: starts.map((s) => s.ms),
      coldStartMedianMs: median.ms,
      idleRssMb: median.rssMb,
    };
    process.stdout.write(
      [
        '| measure | value |',
        '|---|---|',
        `| production node_modules | ${nodeModulesMb} MB |`,
        `| dist | ${distMb} MB |`,
        `| image payload above the node:24-bookworm-slim base | ${report.payloadMb} MB |`,
        `| cold start to ready, migrated database (median of 5) | ${median.ms} ms (${starts.map((s) => s.ms).join(', ')}) |`,
        `| RSS at idle, 5 s after ready | ${median.rssMb} MB |`,
        '',
      ].join('\n'),
    );
    const dir = join(ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, `footprint-${new Date().toISOString().slice(0, 10)}.json`),
      JSON.stringify(report, null, 2),
    );
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
