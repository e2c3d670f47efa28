import type { BenchResults, ScenarioName, ScenarioResult } from './results';

export interface CapacityTarget {
  readonly rps: number;
  readonly p99Ms: number;
  readonly mix: ScenarioName;
}

export interface CapacityPlan {
  readonly target: CapacityTarget;
  /** Requests per second one API replica (one core) sustains within the p99 target. */
  readonly perReplicaRps: number;
  /** Whether a measured arrival rate met the p99 target; if not, perReplicaRps is only the lowest tried. */
  readonly p99TargetMetAtMeasuredRate: boolean;
  readonly apiReplicas: number;
  readonly ordersPerSecond: number;
  readonly workerProcesses: number;
  /** Little's law: connections busy at once = arrival rate × mean time a request holds one. */
  readonly busyDbConnections: number;
  readonly busyDbConnectionsPerReplica: number;
  readonly poolSizePerModule: number;
  /** What every process opens at most: processes × module data sources × pool size. */
  readonly configuredDbConnections: number;
  readonly postgresMaxConnections: number;
  readonly postgresCommitsPerSecond: number;
  /** Commits per second over pgbench TPC-B TPS measured on the same PostgreSQL. */
  readonly postgresShareOfTpcb: number;
  readonly redisOpsPerSecond: number;
  /** What the same run measured for one machine like this one (the USL fit over processes). */
  readonly singleMachinePeak?: { readonly processes: number; readonly rps: number };
  readonly assumptions: readonly string[];
  readonly warnings: readonly string[];
}

/** `200ms`, `0.2s` or a bare number of milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^\s*([\d.]+)\s*(ms|s)?\s*$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text} (try 200ms or 0.2s)`);
  const value = Number(match[1]);
  return match[2] === 's' ? value * 1000 : value;
}

function scenario(results: BenchResults, name: ScenarioName): ScenarioResult {
  const found = results.scenarios.find((s) => s.name === name);
  if (!found) throw new Error(`the results have no '${name}' scenario (have: ${results.scenarios.map((s) => s.name)})`);
  return found;
}

/**
 * The highest measured fixed arrival rate that one process served within the p99 target,
 * without errors and at (nearly) the rate asked: latency grows steeply near the peak, so
 * the planner stays at rates that were actually observed rather than extrapolating.
 */
function sustainableRate(mix: ScenarioResult, p99Ms: number): { rps: number; met: boolean } {
  const served = mix.open.filter(
    (run) => run.errors === 0 && run.non2xx === 0 && run.targetRate !== undefined && run.okRps >= 0.95 * run.targetRate,
  );
  const within = served.filter((run) => run.latencyMs.p99 <= p99Ms).map((run) => run.okRps);
  if (within.length > 0) return { rps: Math.max(...within), met: true };
  const all = mix.open.map((run) => run.okRps).filter((r) => r > 0);
  return { rps: all.length > 0 ? Math.min(...all) : mix.closed.value.median / 2, met: false };
}

export function planCapacity(results: BenchResults, target: CapacityTarget): CapacityPlan {
  const mix = scenario(results, target.mix);
  const warnings: string[] = [];
  const { rps: perReplicaRps, met } = sustainableRate(mix, target.p99Ms);
  if (!met)
    warnings.push(
      `no measured arrival rate of '${target.mix}' had p99 ≤ ${target.p99Ms} ms on one process; the plan uses the lowest rate measured (${perReplicaRps} req/s), whose p99 was higher`,
    );
  const apiReplicas = Math.ceil(target.rps / perReplicaRps);

  const ordersPerSecond = target.rps * mix.orderShare;
  const placeOrder = results.scenarios.find((s) => s.name === 'place-order');
  const sagaRate = placeOrder?.sagaOrdersPerSecond;
  let workerProcesses = 0;
  if (ordersPerSecond > 0) {
    if (sagaRate && sagaRate > 0) workerProcesses = Math.ceil(ordersPerSecond / sagaRate);
    else warnings.push('the results have no saga rate (place-order): worker processes not sized');
  }

  const { databasePoolSize, moduleDataSources } = results.settings;
  const busyDbConnections = (target.rps * mix.perRequest.dbBusyMs) / 1000;
  const busyDbConnectionsPerReplica = (perReplicaRps * mix.perRequest.dbBusyMs) / 1000;
  // A request's database time falls on its modules' pools: one pool for a catalog read, several
  // (ordering, inventory, payments) for an order's saga. Warn at 70 % of what it could use.
  if (busyDbConnectionsPerReplica > databasePoolSize * moduleDataSources * 0.7)
    warnings.push(
      `one replica keeps ${busyDbConnectionsPerReplica.toFixed(1)} connections busy on average, over 70 % of all its pools (${moduleDataSources} × DATABASE_POOL_SIZE=${databasePoolSize}): requests would queue for connections; raise DATABASE_POOL_SIZE`,
    );
  else if (busyDbConnectionsPerReplica > databasePoolSize * 0.7)
    warnings.push(
      `one replica keeps ${busyDbConnectionsPerReplica.toFixed(1)} connections busy on average: over 70 % of one module's pool (DATABASE_POOL_SIZE=${databasePoolSize}), so requests queue if that time falls mostly on one module`,
    );
  // A relay process runs beside the API replicas and workers, as the split topology does.
  const processes = apiReplicas + workerProcesses + 1;
  const configuredDbConnections = processes * moduleDataSources * databasePoolSize;
  if (configuredDbConnections > results.machine.postgresMaxConnections)
    warnings.push(
      `${processes} processes may open ${configuredDbConnections} connections, more than max_connections=${results.machine.postgresMaxConnections}: put a pooler (PgBouncer) in front or lower DATABASE_POOL_SIZE`,
    );

  const postgresCommitsPerSecond = target.rps * mix.perRequest.commits;
  const tpcb = placeOrder?.baselines.find((b) => b.name.startsWith('pgbench TPC-B'))?.value.median;
  const postgresShareOfTpcb = tpcb ? postgresCommitsPerSecond / tpcb : Number.NaN;
  // A TPC-B transaction is five statements, three of them updates; many of Tessera's commits
  // are single reads, so the share overstates the load, but past 70 % the primary is the question.
  if (postgresShareOfTpcb > 0.7)
    warnings.push(
      `${Math.round(postgresCommitsPerSecond)} commits/s is ${Math.round(postgresShareOfTpcb * 100)} % of the TPC-B transactions/s pgbench reached on this PostgreSQL: the primary, not the replicas, is the likely limit (a bigger primary, fewer commits per order, or read replicas for the reads)`,
    );

  const byProcesses = results.scaling.byProcesses;
  return {
    target,
    perReplicaRps,
    p99TargetMetAtMeasuredRate: met,
    apiReplicas,
    ordersPerSecond,
    workerProcesses,
    busyDbConnections,
    busyDbConnectionsPerReplica,
    poolSizePerModule: databasePoolSize,
    configuredDbConnections,
    postgresMaxConnections: results.machine.postgresMaxConnections,
    postgresCommitsPerSecond,
    postgresShareOfTpcb,
    redisOpsPerSecond: target.rps * mix.perRequest.redisOps,
    ...(byProcesses ? { singleMachinePeak: { processes: byProcesses.peakN, rps: byProcesses.peakX } } : {}),
    assumptions: [
      `one API replica = one core, as measured (app pinned to one core of a ${results.machine.cpus}-core ${results.machine.model}); replicas on their own cores scale linearly, so the USL fit of this 2-core machine (cores shared) is shown as a single-machine ceiling, not applied`,
      `per-replica rate: the highest fixed arrival rate of '${target.mix}' measured with p99 ≤ target, no errors and ≥ 95 % of the rate served (measured: ${mix.open.map((r) => `${r.targetRate}/s → p99 ${r.latencyMs.p99} ms`).join(', ')})`,
      `requests follow the '${target.mix}' mix of the bench (${mix.description})`,
      `worker processes: the saga rate one process sustained while also serving the API (${sagaRate ?? '?'} orders/s); a dedicated worker is faster, so this errs high`,
      `database time per request: (active_time + idle_in_transaction_time) / requests from pg_stat_database (${mix.perRequest.dbBusyMs} ms); it omits the round trip between statements, so busy connections err low`,
      `commits (${mix.perRequest.commits}) and Redis commands (${mix.perRequest.redisOps}) per request: pg_stat_database xact_commit and INFO total_commands_processed deltas over the closed-loop runs, background work (relay polling, workers) included`,
      `each process opens up to DATABASE_POOL_SIZE=${databasePoolSize} connections for each of its ${moduleDataSources} module data sources; one relay process is counted`,
    ],
    warnings,
  };
}

export function formatPlan(plan: CapacityPlan, resultsFile: string): string {
  const n = (value: number, digits = 0) =>
    Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
  const lines = [
    `Capacity for ${n(plan.target.rps)} req/s of '${plan.target.mix}' with p99 ≤ ${plan.target.p99Ms} ms`,
    `(from ${resultsFile})`,
    '',
    `API replicas:         ${plan.apiReplicas}  (${n(plan.perReplicaRps)} req/s each${plan.p99TargetMetAtMeasuredRate ? '' : ', p99 target NOT met at any measured rate'})`,
    `worker processes:     ${plan.workerProcesses}  (${n(plan.ordersPerSecond)} orders/s)`,
    `relay processes:      1`,
    `DB connections busy:  ${n(plan.busyDbConnections, 1)} in total, ${n(plan.busyDbConnectionsPerReplica, 2)} per replica (pool: ${plan.poolSizePerModule} per module)`,
    `DB connections open:  up to ${n(plan.configuredDbConnections)} (max_connections ${plan.postgresMaxConnections})`,
    `PostgreSQL:           ${n(plan.postgresCommitsPerSecond)} commits/s (${n(plan.postgresShareOfTpcb * 100)} % of pgbench TPC-B TPS here)`,
    `Redis:                ${n(plan.redisOpsPerSecond)} commands/s`,
  ];
  if (plan.singleMachinePeak)
    lines.push(
      `one machine like this: USL peak ${n(plan.singleMachinePeak.rps)} req/s at ${n(plan.singleMachinePeak.processes, 1)} processes`,
    );
  lines.push('', 'Assumptions:', ...plan.assumptions.map((a) => `  - ${a}`));
  if (plan.warnings.length > 0) lines.push('', 'Warnings:', ...plan.warnings.map((w) => `  ! ${w}`));
  return lines.join('\n');
}
