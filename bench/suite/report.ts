import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResults, ScenarioResult, TracingFigures, UslReport } from '../lib/results';
import type { Spread } from '../lib/stats';
import { barChart, lineChart, type Series } from '../lib/svg-charts';
import { uslThroughput } from '../lib/usl';

const CPU_GROUPS = ['app', 'nginx', 'load generator', 'postgres', 'redis', 'other', 'idle'];
const n = (v: number, digits = 0) =>
  Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
const range = (s: Spread) => `${n(s.median)} (${n(s.min)}–${n(s.max)})`;
const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

function uslLine(label: string, fit: UslReport | undefined): string {
  if (!fit) return `- ${label}: not enough points to fit`;
  const peak = Number.isFinite(fit.peakN)
    ? `peak N* = ${n(fit.peakN, 1)} at X(N*) = ${n(fit.peakX)} req/s`
    : `no peak (κ = 0): throughput flattens towards λ/σ = ${n(fit.peakX)} req/s`;
  return `- ${label}: λ = ${n(fit.lambda)} req/s, σ (contention) = ${fit.sigma.toFixed(3)}, κ (coherency) = ${fit.kappa.toExponential(2)}, ${peak}; RMS error ${n(fit.rmse)} req/s over ${fit.points.length} points`;
}

export function renderCharts(results: BenchResults): Record<'throughput' | 'latency' | 'scaling', string> {
  const byProcesses = new Map<number, { x: number; y: number }[]>();
  for (const p of results.scaling.points)
    byProcesses.set(p.processes, [...(byProcesses.get(p.processes) ?? []), { x: p.connections, y: p.rps.median }]);
  const throughputSeries: Series[] = [
    { name: '1 process, pinned', points: results.concurrency.map((p) => ({ x: p.connections, y: p.rps.median })) },
    ...[...byProcesses].map(([processes, points]) => ({ name: `${processes} behind nginx`, points })),
  ].filter((s) => s.points.length > 0);
  const throughput = lineChart({
    title: 'catalog-browse throughput vs concurrency',
    xLabel: 'connections (log scale)',
    yLabel: 'req/s',
    xLog: true,
    series: throughputSeries,
  });
  const latency = barChart({
    title: 'Latency at 50 % of each peak (fixed arrival rate)',
    yLabel: 'ms (log scale)',
    groups: results.scenarios.flatMap((s) => {
      const half = s.open[0];
      return half
        ? [
            {
              label: s.name,
              bars: [
                { name: 'p50', value: half.latencyMs.p50 },
                { name: 'p90', value: half.latencyMs.p90 },
                { name: 'p99', value: half.latencyMs.p99 },
              ],
            },
          ]
        : [];
    }),
  });
  const fit = results.scaling.byProcesses;
  const scalingSeries: Series[] = fit
    ? [
        { name: 'measured (best)', points: fit.points.map((p) => ({ x: p.n, y: p.x })) },
        {
          name: 'USL fit',
          fitted: true,
          points: Array.from({ length: 31 }, (_, i) => 1 + (i * 7) / 30).map((x) => ({
            x,
            y: uslThroughput(x, fit.lambda, fit.sigma, fit.kappa),
          })),
        },
      ]
    : [];
  const scaling =
    scalingSeries.length > 0
      ? lineChart({
          title: 'catalog-browse: processes behind nginx (2 cores)',
          xLabel: 'app processes',
          yLabel: 'req/s',
          series: scalingSeries,
        })
      : lineChart({
          title: 'no scaling run',
          xLabel: '',
          yLabel: '',
          series: [{ name: '', points: [{ x: 1, y: 0 }] }],
        });
  return { throughput, latency, scaling };
}

export function renderMarkdown(results: BenchResults, stem: string): string {
  const m = results.machine;
  const s = results.settings;
  const lines: string[] = [
    `# Tessera benchmark suite — ${results.date}${results.quick ? ' (quick run: smoke figures, not comparable)' : ''}`,
    '',
    `Machine: ${m.cpus} × ${m.model}, ${m.memoryGb} GB, Linux ${m.kernel}; Node ${m.node}; PostgreSQL ${m.postgres} (max_connections ${m.postgresMaxConnections}); Redis ${m.redis}; load average at start ${m.loadAverageAtStart}.`,
    '',
    `Settings: ${s.seconds} s runs after a ${s.warmupSeconds} s warm-up, ${s.repeat} repetition(s), median (min–max); closed loop at ${s.connections} connections, fixed arrival rates with ${s.openLoopConnections} connections; ${n(s.products)} browse products (SQL), ${s.orderableProducts} orderable products (API), ${n(s.users)} customers; DATABASE_POOL_SIZE ${s.databasePoolSize} per process and database, shared by its modules. ${s.sagaProcess ? `Tessera runs as an API process (every module, role api, Redis queues and cache) pinned to core 0 and a process of the worker and relay roles (the saga), not pinned${s.sagaNice !== undefined ? `, at niceness ${s.sagaNice}` : ''}` : 'Tessera runs as one full process (every module and role, Redis queues and cache) pinned to core 0'}; baselines on core 0 too; the load generator and pgbench on core 1.`,
    '',
    '## Scenarios, each beside its baseline from the same run',
    '',
    table(
      ['scenario', 'Tessera', 'baseline', 'ratio', 'closed-loop p50 / p99 (ms)', 'non-2xx + errors'],
      results.scenarios.flatMap((sc) => {
        const middle = sc.closed.runs.find((r) => Math.round(r.okRps * 10) / 10 === sc.closed.value.median);
        const bad = sc.closed.runs.reduce((t, r) => t + r.non2xx + r.errors, 0);
        return sc.baselines.map((b, i) => [
          i === 0 ? `\`${sc.name}\`` : '',
          i === 0 ? `${range(sc.closed.value)} ${sc.unit}` : '',
          `${b.name}: ${range(b.value)} ${b.unit}`,
          (sc.ratios[b.name] ?? Number.NaN).toFixed(2),
          i === 0 && middle ? `${middle.latencyMs.p50} / ${middle.latencyMs.p99}` : '',
          i === 0 ? bad : '',
        ]);
      }),
    ),
    '',
    ...results.scenarios.map((sc) => `- \`${sc.name}\`: ${sc.description}.`),
    '',
    '## Latency at fixed arrival rates (open loop)',
    '',
    table(
      [
        'scenario',
        'rate asked',
        'served',
        'p50',
        'p90',
        'p99',
        'max (ms)',
        'non-2xx + errors',
        'generator lag / loop stall (ms)',
        'app loop stall (ms)',
        'app GC pauses > 10 ms (of all; ms in GC)',
        'plain server at that rate: p50 / p99 (ms)',
      ],
      results.scenarios.flatMap((sc) =>
        sc.open.map((r) => [
          `\`${sc.name}\``,
          `${n(r.targetRate ?? 0)}/s`,
          `${n(r.okRps)}/s`,
          r.latencyMs.p50,
          r.latencyMs.p90,
          r.latencyMs.p99,
          r.latencyMs.max,
          r.non2xx + r.errors,
          `${r.generatorLagMs ?? ''} / ${r.generatorStallMs ?? ''}`,
          r.server?.eventLoopMaxMs ?? '',
          r.server ? `${r.server.gcPausesOver10ms} (of ${r.server.gcPauses}; ${r.server.gcMs})` : '',
          r.baseline ? `${r.baseline.p50} / ${r.baseline.p99}` : '',
        ]),
      ),
    ),
    '',
    'Latency runs from when each request was due (`bench/lib/open-loop.ts`), so queueing behind a server that falls behind counts; generator lag is the most a request was sent after it was due, and its loop stall the longest its own event loop was held up (sends and the reading of responses both wait for it); the loop stall and GC pauses of the app come from its `/metrics` (`nodejs_eventloop_lag_max_seconds`, `nodejs_gc_duration_seconds`) read before and after the run. The plain server (the first HTTP baseline of the scenario) gets the same rate from the same generator just after: its p99 is the tail this machine gives a server that does nothing.',
    '',
    `![latency](${stem}-latency.svg)`,
    '',
    '## What a request costs the servers',
    '',
    "Deltas over the closed-loop runs: `pg_stat_database` of the app's database (commits; `active_time + idle_in_transaction_time` as the time connections were busy) and `total_commands_processed` from `INFO stats` of the bench's own Redis server, divided by requests. Background work (relay polling, workers, the saga) is included.",
    '',
    table(
      ['scenario', 'commits / request', 'DB busy ms / request', 'Redis commands / request', 'catalog cache hit ratio'],
      results.scenarios.map((sc) => [
        `\`${sc.name}\``,
        sc.perRequest.commits,
        sc.perRequest.dbBusyMs,
        sc.perRequest.redisOps,
        sc.cacheHitRatio !== undefined ? sc.cacheHitRatio : '',
      ]),
    ),
    '',
  ];
  const saga = results.scenarios.find((sc) => sc.sagaOrdersPerSecond !== undefined);
  if (saga)
    lines.push(
      `Saga: ${results.settings.sagaProcess ? 'its own process' : 'the same process'} carried ${n(saga.sagaOrdersPerSecond ?? 0, 1)} orders/s to their final state (reserved, charged, confirmed) from the first order of \`place-order\` to the last transition.`,
      ...(saga.cpuMsPerOrder ? [orderCpuSentence(saga.cpuMsPerOrder, results.machine.cpus)] : []),
      ...(saga.deliveryJobs && saga.deliveryJobs.jobs > 0
        ? [
            `Inbox jobs: ${n(saga.deliveryJobs.events)} integration events in ${n(saga.deliveryJobs.jobs)} jobs, ${n(saga.deliveryJobs.events / saga.deliveryJobs.jobs, 1)} per job (a relay batch reaches each subscriber as one job).`,
          ]
        : []),
      '',
    );
  const mixed = results.scenarios.find((sc) => sc.byKind);
  if (mixed?.byKind)
    lines.push(
      `Mixed, responses by kind over all its runs: ${Object.entries(mixed.byKind)
        .map(
          ([kind, counts]) =>
            `${kind} ${Object.entries(counts)
              .map(([k, v]) => `${k} ${n(v)}`)
              .join(', ')}`,
        )
        .join('; ')}.`,
      '',
    );
  if (results.tracing) lines.push(...tracingSection(results.tracing));
  lines.push(
    '## Throughput vs concurrency and the scaling curve',
    '',
    table(
      [
        'processes',
        'connections',
        'req/s',
        'p99 (ms)',
        'non-2xx + errors',
        'CPU of both cores: ' + CPU_GROUPS.join(' / '),
      ],
      [
        ...results.concurrency.map((p) => [
          `1 (pinned, no nginx)`,
          p.connections,
          range(p.rps),
          p.p99Ms,
          p.non2xx + p.errors,
          '',
        ]),
        ...results.scaling.points.map((p) => [
          `${p.processes} (nginx)`,
          p.connections,
          range(p.rps),
          p.p99Ms,
          p.non2xx + p.errors,
          p.cpu ? CPU_GROUPS.map((k) => `${Math.round((p.cpu![k] ?? 0) * 100)} %`).join(' / ') : '',
        ]),
      ],
    ),
    '',
    `![throughput vs concurrency](${stem}-throughput.svg)`,
    '',
    'Universal Scalability Law, X(N) = λN / (1 + σ(N−1) + κN(N−1)), least squares:',
    '',
    uslLine(
      'over app processes (best connection count each, behind nginx, nothing pinned)',
      results.scaling.byProcesses,
    ),
    uslLine('over connections (one pinned process)', results.scaling.byConnections),
    '',
    `![scaling curve](${stem}-scaling.svg)`,
    '',
    '## Goals of issue #9',
    '',
    table(
      ['goal', 'measured', ''],
      results.goals.map((g) => [g.goal, g.measured, g.met ? 'met' : '**not met**']),
    ),
    '',
  );
  return lines.join('\n');
}

/** `--tracing`: each scenario with tracing off and on, a fresh process per run, costs within each repetition. */
function tracingSection(figures: readonly TracingFigures[]): string[] {
  const ms = (s: Spread) => `${s.median} (${s.min}–${s.max})`;
  const pctRange = (s: Spread | undefined) => (s ? `${s.median} % (${s.min}–${s.max})` : '');
  return [
    '## Tracing off and on',
    '',
    "Each scenario again in a fresh process per run (pinned to core 0): tracing off (no `OTEL_*` setting, the SDK not loaded), and exporting to a local OTLP/HTTP receiver (`bench/otlp-sink.ts`, protobuf, the SDK's default batching) at 100 % (`parentbased_always_on`) and 10 % (`parentbased_traceidratio`, 0.1) sampling; the variants run back to back, in an order rotated each repetition. Costs are taken against tracing off in the same repetition: throughput lost, and CPU the app spent per request beyond tracing off. Spans are what the receiver got from each variant's processes, per request sent to them (warm-up included; for `place-order` the saga's spans too).",
    '',
    table(
      [
        'scenario',
        'tracing',
        'throughput',
        "app's CPU per request (ms)",
        'throughput lost',
        'CPU per request added',
        "app's CPU per order through the saga (ms)",
        'spans received (per request)',
      ],
      figures.map((f) => [
        `\`${f.scenario}\``,
        f.variant,
        range(f.okRps),
        ms(f.appCpuMsPerRequest),
        pctRange(f.costPercent?.throughput),
        pctRange(f.costPercent?.cpuPerRequest),
        f.sagaCpuMsPerOrder ? ms(f.sagaCpuMsPerOrder) : '',
        `${n(f.spans)} (${f.spansPerRequest})`,
      ]),
    ),
    '',
  ];
}

/** `<stem>.json`, `<stem>.md` and the charts beside them. */
export async function writeReport(results: BenchResults, dir: string, stem: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const charts = renderCharts(results);
  const files: [string, string][] = [
    [`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`],
    [`${stem}.md`, renderMarkdown(results, stem)],
    ...Object.entries(charts).map(([name, svg]): [string, string] => [`${stem}-${name}.svg`, `${svg}\n`]),
  ];
  for (const [file, text] of files) await writeFile(join(dir, file), text);
  return files.map(([file]) => join(dir, file));
}

/**
 * What the machine spent per order carried through the saga, and the rate that alone allows
 * on its cores: a sustained order rate above it cannot be kept up, whatever the acceptance peak.
 */
export function orderCpuSentence(cpu: NonNullable<ScenarioResult['cpuMsPerOrder']>, cores: number): string {
  const ceiling = Math.floor((cores * 1000) / cpu.total);
  return `CPU per order, from its acceptance to its confirmation (load generator not counted): ${cpu.total} ms (Tessera ${cpu.tessera}, PostgreSQL with its replica ${cpu.postgres}, Redis ${cpu.redis}), so ${cores} cores sustain at most ${ceiling} orders/s through the whole saga.`;
}
