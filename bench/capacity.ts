/**
 * `npm run capacity -- --rps 5000 --p99 200ms --mix mixed`: what a target load needs, from
 * the newest suite results (bench/results/<date>.json). The arithmetic is in
 * lib/capacity-plan.ts; its assumptions are printed with the plan.
 *
 * Connections: `--pool-size 8` (DATABASE_POOL_SIZE), `--max-connections N` (default: the
 * results' PostgreSQL), `--pooler-max-client-conn 1000` and `--pooler-pool-size 20` (PgBouncer's
 * max_client_conn and default_pool_size), `--queue-backend redis|postgres`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/support/app-process';
import { benchArgs } from './bench-args';
import { type ConnectionOptions, formatPlan, parseDurationMs, planCapacity } from './lib/capacity-plan';
import { latestResults, RESULTS_DIR_PARTS, SCENARIOS, type ScenarioName } from './lib/results';

function positiveInteger(args: Map<string, string>, name: string): number | undefined {
  const text = args.get(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer (got '${text}')`);
  return value;
}

function connectionOptions(args: Map<string, string>): Partial<ConnectionOptions> {
  const options: { -readonly [K in keyof ConnectionOptions]?: ConnectionOptions[K] } = {};
  const set = <K extends keyof ConnectionOptions>(key: K, value: ConnectionOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set('poolSize', positiveInteger(args, 'pool-size'));
  set('maxConnections', positiveInteger(args, 'max-connections'));
  set('poolerMaxClientConn', positiveInteger(args, 'pooler-max-client-conn'));
  set('poolerPoolSize', positiveInteger(args, 'pooler-pool-size'));
  const queueBackend = args.get('queue-backend');
  if (queueBackend !== undefined && queueBackend !== 'redis' && queueBackend !== 'postgres')
    throw new Error(`--queue-backend must be redis or postgres (got '${queueBackend}')`);
  set('queueBackend', queueBackend);
  return options;
}

function main(): void {
  const args = benchArgs();
  const rps = Number(args.get('rps'));
  if (!Number.isFinite(rps) || rps <= 0)
    throw new Error('usage: npm run capacity -- --rps 5000 --p99 200ms --mix mixed');
  const mix = (args.get('mix') ?? 'mixed') as ScenarioName;
  if (!SCENARIOS.includes(mix)) throw new Error(`--mix must be one of ${SCENARIOS.join(', ')}`);
  const p99Ms = parseDurationMs(args.get('p99') ?? '200ms');
  const connections = connectionOptions(args);
  const dir = args.get('results') ?? join(ROOT, ...RESULTS_DIR_PARTS);
  if (!existsSync(dir) || readdirSync(dir).length === 0) throw new Error(`no results in ${dir}: run npm run bench`);
  const { file, results } = latestResults(dir);
  if (results.quick)
    process.stderr.write('warning: these are quick-run figures (short runs, one repetition): plan with a full run\n');
  process.stdout.write(`${formatPlan(planCapacity(results, { rps, p99Ms, mix }, connections), file)}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
