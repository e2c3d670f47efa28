import type { BenchResults, ScenarioName, ScenarioResult } from './results';

export interface CapacityTarget {
  readonly rps: number;
  readonly p99Ms: number;
  readonly mix: ScenarioName;
}

/**
 * How connections are sized (the shared budget): DATABASE_POOL_SIZE and the limits of the
 * PostgreSQL server and of PgBouncer in front of it. Everything has a default but max_connections,
 * which comes from the results unless given.
 */
export interface ConnectionOptions {
  /** DATABASE_POOL_SIZE: the one budget a process holds per database, shared by its modules. */
  readonly poolSize: number;
  /** The primary's max_connections. */
  readonly maxConnections: number;
  /** PgBouncer's max_client_conn: client connections one PgBouncer accepts. */
  readonly poolerMaxClientConn: number;
  /** PgBouncer's default_pool_size: its server connections per database and user. */
  readonly poolerPoolSize: number;
  /** On the PostgreSQL queue backend the budget also keeps a share for the queues. */
  readonly queueBackend: 'redis' | 'postgres';
  /** superuser_reserved_connections (PostgreSQL's default: 3). */
  readonly superuserReservedConnections: number;
  /** The migrations job's connection (`node dist/main.js migrate`), open during a deployment. */
  readonly migrationConnections: number;
  /** Kept free for an operator's psql, monitoring, pg_dump (none by default). */
  readonly adminConnections: number;
}

export const DEFAULT_CONNECTION_OPTIONS: Omit<ConnectionOptions, 'maxConnections'> = {
  poolSize: 8,
  poolerMaxClientConn: 1000,
  poolerPoolSize: 20,
  queueBackend: 'redis',
  superuserReservedConnections: 3,
  migrationConnections: 1,
  adminConnections: 0,
};

/** The processes a plan runs: API replicas, workers and relays, each a process of its own. */
export interface ProcessCounts {
  readonly apiReplicas: number;
  readonly workerProcesses: number;
  readonly relayProcesses: number;
  /**
   * Processes that serve the API and deliver events too (roles api with worker or relay): the
   * per-module model gave them a messaging pool per module. None in the split topology planned.
   */
  readonly apiAndEventProcesses: number;
}

/** The old model, kept to report what the change saves: a pool per module data source. */
export interface PerModulePoolConnections {
  readonly processes: number;
  readonly poolSizePerModule: number;
  readonly moduleDataSources: number;
  readonly messagingPoolSize: number;
  /** processes × module data sources × DATABASE_POOL_SIZE. */
  readonly modulePools: number;
  /** processes serving the API and delivering events × module data sources × DATABASE_MESSAGING_POOL_SIZE. */
  readonly messagingPools: number;
  /** One LISTEN connection per module's outbox relay, in each relay process. */
  readonly listeners: number;
  /** modulePools + messagingPools + listeners. */
  readonly primary: number;
  /** Each module's read pool on each replica: processes × module data sources × max(2, ⌈pool / 2⌉). */
  readonly perReplica: number;
}

/** DATABASE_MESSAGING_POOL_SIZE's default in the per-module model. */
export const OLD_MESSAGING_POOL_SIZE = 3;

/** What every process could open with a pool per module data source (the model before the shared budget). */
export function perModulePoolConnections(
  counts: ProcessCounts,
  poolSizePerModule: number,
  moduleDataSources: number,
  messagingPoolSize = OLD_MESSAGING_POOL_SIZE,
): PerModulePoolConnections {
  const processes = counts.apiReplicas + counts.workerProcesses + counts.relayProcesses;
  const modulePools = processes * moduleDataSources * poolSizePerModule;
  const messagingPools = counts.apiAndEventProcesses * moduleDataSources * messagingPoolSize;
  const listeners = counts.relayProcesses * moduleDataSources;
  return {
    processes,
    poolSizePerModule,
    moduleDataSources,
    messagingPoolSize,
    modulePools,
    messagingPools,
    listeners,
    primary: modulePools + messagingPools + listeners,
    perReplica: processes * moduleDataSources * Math.max(2, Math.ceil(poolSizePerModule / 2)),
  };
}

/** How a process splits its DATABASE_POOL_SIZE among the work that uses it. */
export interface BudgetShares {
  readonly requests: number;
  readonly events: number;
  readonly queues: number;
}

/** What a process does with its budget: its roles (api; worker or relay). */
export interface ProcessRoles {
  readonly servesRequests: boolean;
  readonly deliversEvents: boolean;
}

/** An API replica of the split topology: `--roles api`. */
export const API_REPLICA: ProcessRoles = { servesRequests: true, deliversEvents: false };

/** DATABASE_MESSAGING_POOL_SIZE's default: the events share of a process that also serves requests. */
export const EVENTS_SHARE_BESIDE_REQUESTS = 2;

/**
 * The split of the app (libs/database/connection-budget.ts, `connectionShares`), repeated here so
 * that the planner stays plain arithmetic: a quarter of the budget (at least one) for the queues on
 * the PostgreSQL backend only; the rest to requests in an API-only process, to event delivery in a
 * worker or relay, and split (DATABASE_MESSAGING_POOL_SIZE for events) in a process that does both.
 */
export function budgetShares(
  poolSize: number,
  queueBackend: ConnectionOptions['queueBackend'],
  roles: ProcessRoles = API_REPLICA,
  eventsBesideRequests = EVENTS_SHARE_BESIDE_REQUESTS,
): BudgetShares {
  const queues = queueBackend === 'postgres' ? Math.max(1, Math.floor(poolSize / 4)) : 0;
  const rest = Math.max(0, poolSize - queues);
  if (!roles.servesRequests) return { requests: 0, events: rest, queues };
  if (!roles.deliversEvents) return { requests: rest, events: 0, queues };
  const events = Math.max(0, Math.min(Math.max(1, eventsBesideRequests), rest - 1));
  return { requests: rest - events, events, queues };
}

/** The smallest DATABASE_POOL_SIZE whose requests share (of an API replica) keeps `busy` connections ≤ 70 % of it. */
export function poolSizeFor(busy: number, queueBackend: ConnectionOptions['queueBackend']): number {
  let poolSize = 1;
  while (budgetShares(poolSize, queueBackend).requests * 0.7 < busy) poolSize++;
  return poolSize;
}

/** The new model: one budget per process and database, plus one LISTEN connection. */
export interface SharedBudgetConnections {
  readonly processes: number;
  readonly poolSize: number;
  /** An API replica's split of the budget. */
  readonly shares: BudgetShares;
  /** DATABASE_POOL_SIZE + 1 LISTEN connection: what one process holds on the primary. */
  readonly perProcess: number;
  /**
   * What a process opens through a pooler: the budget less the queues share, which, like the
   * LISTEN connection, needs a session of its own (DATABASE_DIRECT_URL).
   */
  readonly pooledPerProcess: number;
  /** 1 LISTEN + the queues share: what a process opens to the primary directly even behind a pooler. */
  readonly directPerProcess: number;
  /** superuser_reserved_connections + migrations + admin: what max_connections keeps from the app. */
  readonly reservedConnections: number;
  readonly maxConnections: number;
  /** max_connections − reserved. */
  readonly availableConnections: number;
  readonly direct: {
    /** processes × (DATABASE_POOL_SIZE + 1). */
    readonly primary: number;
    /** processes × (requests + events shares): no listener and no queues on a replica. */
    readonly perReplica: number;
    /** ⌊(max_connections − reserved) / (DATABASE_POOL_SIZE + 1)⌋. */
    readonly maxProcesses: number;
  };
  readonly pooler: {
    readonly maxClientConn: number;
    readonly poolSize: number;
    /** processes × pooled per process (DATABASE_POOL_SIZE on the Redis queue backend). */
    readonly clientConnections: number;
    /** ⌈client connections / max_client_conn⌉. */
    readonly poolers: number;
    /** poolers × default_pool_size (one database, one user) + processes × direct per process. */
    readonly serverConnections: number;
    /** ⌊max_client_conn / pooled per process⌋: what one PgBouncer accepts. */
    readonly maxProcessesByClientConn: number;
    /** ⌊(max_connections − reserved − default_pool_size) / direct per process⌋. */
    readonly maxProcessesByServer: number;
    /** The smaller of the two: how many processes one PgBouncer in front of this server takes. */
    readonly maxProcesses: number;
  };
}

export function sharedBudgetConnections(processes: number, options: ConnectionOptions): SharedBudgetConnections {
  const { poolSize, maxConnections, poolerMaxClientConn, poolerPoolSize } = options;
  const shares = budgetShares(poolSize, options.queueBackend);
  const perProcess = poolSize + 1;
  const pooledPerProcess = poolSize - shares.queues;
  const directPerProcess = 1 + shares.queues;
  const reservedConnections =
    options.superuserReservedConnections + options.migrationConnections + options.adminConnections;
  const availableConnections = Math.max(0, maxConnections - reservedConnections);
  const clientConnections = processes * pooledPerProcess;
  const poolers = Math.max(1, Math.ceil(clientConnections / poolerMaxClientConn));
  const maxProcessesByClientConn = Math.floor(poolerMaxClientConn / pooledPerProcess);
  const maxProcessesByServer = Math.floor(Math.max(0, availableConnections - poolerPoolSize) / directPerProcess);
  return {
    processes,
    poolSize,
    shares,
    perProcess,
    pooledPerProcess,
    directPerProcess,
    reservedConnections,
    maxConnections,
    availableConnections,
    direct: {
      primary: processes * perProcess,
      perReplica: processes * pooledPerProcess,
      maxProcesses: Math.floor(availableConnections / perProcess),
    },
    pooler: {
      maxClientConn: poolerMaxClientConn,
      poolSize: poolerPoolSize,
      clientConnections,
      poolers,
      serverConnections: poolers * poolerPoolSize + processes * directPerProcess,
      maxProcessesByClientConn,
      maxProcessesByServer,
      maxProcesses: Math.min(maxProcessesByClientConn, maxProcessesByServer),
    },
  };
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
  readonly relayProcesses: number;
  readonly processes: number;
  /** Little's law: connections busy at once = arrival rate × mean time a request holds one. */
  readonly busyDbConnections: number;
  readonly busyDbConnectionsPerReplica: number;
  /** The smallest DATABASE_POOL_SIZE whose requests share keeps one replica's busy connections ≤ 70 % of it. */
  readonly suggestedPoolSize: number;
  readonly connections: {
    /** The old model, with the run's per-module pool size: for comparison only. */
    readonly before: PerModulePoolConnections;
    /** The shared budget: what the processes hold now. */
    readonly after: SharedBudgetConnections;
  };
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

export function planCapacity(
  results: BenchResults,
  target: CapacityTarget,
  connectionOptions: Partial<ConnectionOptions> = {},
): CapacityPlan {
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

  const options: ConnectionOptions = {
    ...DEFAULT_CONNECTION_OPTIONS,
    maxConnections: results.machine.postgresMaxConnections,
    ...connectionOptions,
  };
  const { databasePoolSize: runPoolSize, moduleDataSources } = results.settings;
  // A relay process runs beside the API replicas and workers, as the split topology does.
  const counts: ProcessCounts = { apiReplicas, workerProcesses, relayProcesses: 1, apiAndEventProcesses: 0 };
  const processes = counts.apiReplicas + counts.workerProcesses + counts.relayProcesses;
  const before = perModulePoolConnections(counts, runPoolSize, moduleDataSources);
  const after = sharedBudgetConnections(processes, options);

  const busyDbConnections = (target.rps * mix.perRequest.dbBusyMs) / 1000;
  const busyDbConnectionsPerReplica = (perReplicaRps * mix.perRequest.dbBusyMs) / 1000;
  const suggestedPoolSize = poolSizeFor(busyDbConnectionsPerReplica, options.queueBackend);
  // Every request of a replica draws on the requests share of one budget: warn at 70 % of it.
  if (busyDbConnectionsPerReplica > after.shares.requests * 0.7)
    warnings.push(
      `one API replica keeps ${busyDbConnectionsPerReplica.toFixed(1)} connections busy on average, over 70 % of the requests share of its budget (${after.shares.requests} of DATABASE_POOL_SIZE=${options.poolSize}): requests would queue for connections; DATABASE_POOL_SIZE=${suggestedPoolSize} gives them ${budgetShares(suggestedPoolSize, options.queueBackend).requests}`,
    );
  const reserved = `max_connections=${options.maxConnections} less ${after.reservedConnections} reserved`;
  if (after.direct.primary > after.availableConnections)
    warnings.push(
      `without a pooler, ${processes} processes hold ${after.direct.primary} connections on the primary (${processes} × (DATABASE_POOL_SIZE=${options.poolSize} + 1 LISTEN)), more than the ${after.availableConnections} of ${reserved} (at most ${after.direct.maxProcesses} processes): put PgBouncer (transaction mode) in front, the LISTEN connections${after.shares.queues > 0 ? ' and the queues share' : ''} going direct (DATABASE_DIRECT_URL)`,
    );
  if (after.pooler.poolers > 1)
    warnings.push(
      `behind PgBouncer, ${processes} processes open ${after.pooler.clientConnections} client connections, more than one PgBouncer's max_client_conn=${options.poolerMaxClientConn} (at most ${after.pooler.maxProcessesByClientConn} processes each): run ${after.pooler.poolers} PgBouncers or raise max_client_conn`,
    );
  if (after.pooler.serverConnections > after.availableConnections)
    warnings.push(
      `behind PgBouncer, the primary still gets ${after.pooler.serverConnections} connections (${after.pooler.poolers} × default_pool_size=${options.poolerPoolSize} + ${processes} × ${after.directPerProcess} direct), more than the ${after.availableConnections} of ${reserved}: raise max_connections or lower default_pool_size`,
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
  const { shares } = after;
  return {
    target,
    perReplicaRps,
    p99TargetMetAtMeasuredRate: met,
    apiReplicas,
    ordersPerSecond,
    workerProcesses,
    relayProcesses: counts.relayProcesses,
    processes,
    busyDbConnections,
    busyDbConnectionsPerReplica,
    suggestedPoolSize,
    connections: { before, after },
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
      `one relay process is counted; every process holds one budget of DATABASE_POOL_SIZE=${options.poolSize} connections on the primary (an API replica's split: requests ${shares.requests}${shares.queues > 0 ? `, queues ${shares.queues}` : ''} on the ${options.queueBackend} queue backend; a worker's or relay's goes to event delivery), plus one LISTEN connection that reaches PostgreSQL directly (DATABASE_DIRECT_URL)${shares.queues > 0 ? ', as the queues share does' : ''}, and its requests and events shares on each replica (${after.pooledPerProcess}); all modules on one database`,
      `max_connections keeps ${after.reservedConnections} from the app: superuser_reserved_connections ${options.superuserReservedConnections}, the migrations job ${options.migrationConnections}, admin ${options.adminConnections} (walsenders have their own max_wal_senders slots since PostgreSQL 12)`,
      `PgBouncer in transaction mode, one database and one user: its server connections are default_pool_size=${options.poolerPoolSize} per PgBouncer, its clients the processes' budgets${shares.queues > 0 ? ' less the queues share' : ''} (max_client_conn=${options.poolerMaxClientConn})`,
      `before: the per-module model with the run's pools (${moduleDataSources} module data sources × DATABASE_POOL_SIZE=${runPoolSize}, read pools of max(2, ⌈${runPoolSize} / 2⌉) on each replica, DATABASE_MESSAGING_POOL_SIZE=${before.messagingPoolSize} only in processes that serve the API and deliver events, none here, and a LISTEN per module in the relay); health and replica-check pools are not counted in either`,
    ],
    warnings,
  };
}

export function formatPlan(plan: CapacityPlan, resultsFile: string): string {
  const n = (value: number, digits = 0) =>
    Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
  const { before, after } = plan.connections;
  const lines = [
    `Capacity for ${n(plan.target.rps)} req/s of '${plan.target.mix}' with p99 ≤ ${plan.target.p99Ms} ms`,
    `(from ${resultsFile})`,
    '',
    `API replicas:         ${plan.apiReplicas}  (${n(plan.perReplicaRps)} req/s each${plan.p99TargetMetAtMeasuredRate ? '' : ', p99 target NOT met at any measured rate'})`,
    `worker processes:     ${plan.workerProcesses}  (${n(plan.ordersPerSecond)} orders/s)`,
    `relay processes:      ${plan.relayProcesses}`,
    `processes:            ${plan.processes}`,
    `DB connections busy:  ${n(plan.busyDbConnections, 1)} in total, ${n(plan.busyDbConnectionsPerReplica, 2)} per API replica (requests share ${after.shares.requests} of DATABASE_POOL_SIZE=${after.poolSize})`,
    '',
    `DB connections before (a pool per module, DATABASE_POOL_SIZE=${before.poolSizePerModule} × ${before.moduleDataSources} modules):`,
    `  primary:            ${n(before.primary)}  (${n(before.modulePools)} module pools + ${n(before.messagingPools)} messaging + ${n(before.listeners)} LISTEN)`,
    `  each replica:       ${n(before.perReplica)}`,
    `DB connections after (one budget per process: DATABASE_POOL_SIZE=${after.poolSize} + 1 LISTEN):`,
    `  without a pooler:   ${n(after.direct.primary)} on the primary (${after.processes} × ${after.perProcess}), ${n(after.direct.perReplica)} on each replica (${after.processes} × ${after.pooledPerProcess})`,
    `  with PgBouncer:     ${n(after.pooler.clientConnections)} client connections (${after.processes} × ${after.pooledPerProcess}) to ${after.pooler.poolers} PgBouncer${after.pooler.poolers > 1 ? 's' : ''}; ${n(after.pooler.serverConnections)} server connections (${after.pooler.poolers > 1 ? `${after.pooler.poolers} × ` : ''}${after.pooler.poolSize} pooled + ${after.processes}${after.directPerProcess > 1 ? ` × ${after.directPerProcess}` : ''} direct: LISTEN${after.shares.queues > 0 ? ', queues' : ''})`,
    `  max_connections ${after.maxConnections}:  ${after.availableConnections} for the app (${after.reservedConnections} reserved): ${n(after.direct.maxProcesses)} processes direct`,
    `  one PgBouncer:      max_client_conn ${after.pooler.maxClientConn} / default_pool_size ${after.pooler.poolSize}: ${n(after.pooler.maxProcesses)} processes (${n(after.pooler.maxProcessesByClientConn)} by max_client_conn, ${n(after.pooler.maxProcessesByServer)} by max_connections)`,
    '',
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
