/**
 * `node dist-test/bench/render-report.js bench/results/<date>.json`: writes the Markdown report
 * and charts again from a results file, with the fits and goals recomputed by the current code
 * (the measurements themselves are not touched).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { BenchResults } from './lib/results';
import { judgeGoals } from './suite/goals';
import { writeReport } from './suite/report';
import { fitOverConnections, fitOverProcesses } from './suite/scaling';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist-test/bench/render-report.js bench/results/<date>.json');
  const stored = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  const byProcesses = fitOverProcesses(stored.scaling.points);
  const byConnections = fitOverConnections(stored.concurrency);
  const { goals: _old, ...rest } = stored;
  const partial = {
    ...rest,
    scaling: {
      points: stored.scaling.points,
      ...(byProcesses ? { byProcesses } : {}),
      ...(byConnections ? { byConnections } : {}),
    },
  };
  const results: BenchResults = { ...partial, goals: judgeGoals(partial) };
  const files = await writeReport(results, dirname(file), basename(file, '.json'));
  process.stdout.write(`${files.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
