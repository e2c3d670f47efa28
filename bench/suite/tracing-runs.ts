import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startCpuAccounting } from '../lib/cpu-accounting';
import { runLoad } from '../lib/load';
import type { OtlpSink } from '../lib/plain-servers';
import type { ScenarioName } from '../lib/results';
import { startTessera, type Deployment } from './deployment';
import type { SuiteTiming } from './measure';
import { cachedAppScenarios, type ScenarioContext } from './scenarios';
import { tracingEnv, UNTRACED_SCENARIOS, variantOrder, type TracingRun } from './tracing';
import { loadRequest } from './traffic';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * `--tracing`: each scenario with tracing off, on at 100 % and at 10 % sampling, one fresh
 * process per run (the SDK starts with the process), pinned where the suite's app runs. Within a
 * repetition a scenario's variants run back to back, in an order rotated each repetition.
 */
export async function measureTracing(options: {
  readonly deployment: Deployment;
  readonly context: ScenarioContext;
  readonly scenarios: readonly ScenarioName[];
  readonly timing: SuiteTiming;
  readonly sink: OtlpSink;
  readonly cores: string;
}): Promise<TracingRun[]> {
  const { timing, sink } = options;
  const runs: TracingRun[] = [];
  for (let rep = 0; rep < timing.repeat; rep++)
    for (const scenario of options.scenarios)
      for (const variant of variantOrder(rep)) {
        const received = await sink.counts();
        const app = await startTessera(options.deployment, {
          cores: options.cores,
          env: tracingEnv(variant, sink.url),
        });
        const pid = app.child.pid!;
        let run: Omit<TracingRun, 'spans'>;
        try {
          const spec = cachedAppScenarios({
            ...options.context,
            baseUrl: app.url,
            tesseraPids: () => [pid],
            tesseraUrls: () => [app.url],
          }).find((s) => s.name === scenario)!;
          const load = (seconds: number) =>
            runLoad({ url: app.url, seconds, connections: timing.connections, requests: [loadRequest(spec.mix)] });
          spec.beforeWarmUp?.();
          const warm = await load(timing.warmupSeconds);
          const cpu = startCpuAccounting({ app: () => [pid] });
          const since = performance.now();
          const closed = await load(timing.seconds);
          const appMs = (cpu.stop().app ?? 0) * cpus().length * (performance.now() - since);
          // Place-order: waits for the saga to finish every order, as the suite's own run does.
          const after = (await spec.afterClosed?.()) ?? {};
          await spec.settle?.();
          if (closed.non2xx + closed.errors > 0)
            log(`tracing ${variant}, ${scenario}: ${closed.non2xx} non-2xx, ${closed.errors} errors`);
          run = {
            scenario,
            variant,
            rep,
            okRps: closed.okRps,
            appCpuMsPerRequest: closed.requests > 0 ? appMs / closed.requests : Number.NaN,
            ...(after.cpuMsPerOrder ? { sagaCpuMsPerOrder: after.cpuMsPerOrder.tessera } : {}),
            requests: warm.requests + closed.requests,
          };
        } finally {
          // Its shutdown exports what the SDK still buffers: the count below is the whole run's.
          await app.stop();
        }
        const spans = (await sink.counts()).spans - received.spans;
        runs.push({ ...run, spans });
        log(
          `tracing ${variant}, ${scenario}, run ${rep + 1}: ${Math.round(run.okRps).toLocaleString('en-US')}/s, ` +
            `the app's CPU per request ${run.appCpuMsPerRequest.toFixed(3)} ms, ${spans.toLocaleString('en-US')} spans ` +
            `received; load average ${loadavg()[0]!.toFixed(2)}`,
        );
        // A traced run that exported nothing measured an app that did not trace: stop here, not in the report.
        if (variant !== 'off' && spans === 0 && !UNTRACED_SCENARIOS.includes(scenario))
          throw new Error(
            `tracing ${variant}, ${scenario}: the receiver at ${sink.url} got no spans; ` +
              `did the OTEL_* settings reach the app? Its output:\n${app.output()}`,
          );
      }
  return runs;
}
