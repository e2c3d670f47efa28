/**
 * `npm run capacity -- --rps 5000 --p99 200ms --mix mixed`: what a target load needs, from
 * the newest suite results (bench/results/<date>.json). The arithmetic is in
 * lib/capacity-plan.ts; its assumptions are printed with the plan.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/support/app-process';
import { benchArgs } from './bench-args';
import { formatPlan, parseDurationMs, planCapacity } from './lib/capacity-plan';
import { latestResults, RESULTS_DIR_PARTS, SCENARIOS, type ScenarioName } from './lib/results';

function main(): void {
  const args = benchArgs();
  const rps = Number(args.get('rps'));
  if (!Number.isFinite(rps) || rps <= 0)
    throw new Error('usage: npm run capacity -- --rps 5000 --p99 200ms --mix mixed');
  const mix = (args.get('mix') ?? 'mixed') as ScenarioName;
  if (!SCENARIOS.includes(mix)) throw new Error(`--mix must be one of ${SCENARIOS.join(', ')}`);
  const p99Ms = parseDurationMs(args.get('p99') ?? '200ms');
  const dir = args.get('results') ?? join(ROOT, ...RESULTS_DIR_PARTS);
  if (!existsSync(dir) || readdirSync(dir).length === 0) throw new Error(`no results in ${dir}: run npm run bench`);
  const { file, results } = latestResults(dir);
  if (results.quick)
    process.stderr.write('warning: these are quick-run figures (short runs, one repetition): plan with a full run\n');
  process.stdout.write(`${formatPlan(planCapacity(results, { rps, p99Ms, mix }), file)}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
