import type autocannon from 'autocannon';
import type { AppProcess } from '../../test/support/app-process';
import { Nginx } from '../../test/topology/nginx';
import { pidsNamed, startCpuAccounting } from '../lib/cpu-accounting';
import { runLoad } from '../lib/load';
import type { ScalingPoint, UslReport } from '../lib/results';
import { spread } from '../lib/stats';
import { fitUsl, type UslPoint } from '../lib/usl';
import { startTessera, type Deployment } from './deployment';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * catalog-browse through a real nginx in front of N identical full processes (the
 * replicated topology), at each connection count. Nothing is pinned: the processes, nginx,
 * PostgreSQL, Redis and the load generator share both cores, as they would on one host.
 */
export async function measureScaling(options: {
  deployment: Deployment;
  processCounts: readonly number[];
  connectionLevels: readonly number[];
  seconds: number;
  warmupSeconds: number;
  repeat: number;
  request: () => autocannon.Request;
  replicaEnv: NodeJS.ProcessEnv;
}): Promise<ScalingPoint[]> {
  const points: ScalingPoint[] = [];
  for (const processes of options.processCounts) {
    const apps: AppProcess[] = [];
    let nginx: Nginx | undefined;
    try {
      for (let i = 0; i < processes; i++)
        apps.push(await startTessera(options.deployment, { env: options.replicaEnv }));
      nginx = await Nginx.start([{ prefix: '/', ports: apps.map((a) => a.port) }]);
      const url = `http://127.0.0.1:${nginx.port}`;
      // Fresh processes (cold JIT, empty memory cache): each gets as much warm-up traffic as one would alone.
      await runLoad({
        url,
        seconds: options.warmupSeconds * processes,
        connections: Math.max(...options.connectionLevels),
        requests: [options.request()],
      });
      for (const connections of options.connectionLevels) {
        const runs = [];
        const cpu = startCpuAccounting({
          app: () => apps.map((a) => a.child.pid!),
          nginx: () => pidsNamed('nginx'),
          'load generator': () => [process.pid],
          postgres: () => pidsNamed('postgres'),
          redis: () => pidsNamed('redis-server'),
        });
        for (let rep = 0; rep < options.repeat; rep++)
          runs.push(await runLoad({ url, seconds: options.seconds, connections, requests: [options.request()] }));
        const cpuShares = cpu.stop();
        const rps = spread(runs.map((r) => r.okRps));
        const middle = runs.find((r) => Math.round(r.okRps * 10) / 10 === rps.median) ?? runs[0]!;
        points.push({
          processes,
          connections,
          rps,
          p99Ms: middle.latencyMs.p99,
          errors: runs.reduce((s, r) => s + r.errors, 0),
          non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
          cpu: cpuShares,
        });
        log(
          `scaling: ${processes} process(es), ${connections} connections: ${Math.round(rps.median)} req/s; CPU ${JSON.stringify(cpuShares)}`,
        );
      }
    } finally {
      await nginx?.stop();
      await Promise.all(apps.map((a) => a.stop()));
    }
  }
  return points;
}

/** The USL over processes, each at the connection count that served it best. */
export function fitOverProcesses(points: readonly ScalingPoint[]): UslReport | undefined {
  const best = new Map<number, number>();
  for (const p of points) best.set(p.processes, Math.max(best.get(p.processes) ?? 0, p.rps.median));
  return fitPoints([...best].map(([n, x]) => ({ n, x })));
}

export function fitOverConnections(points: readonly ScalingPoint[]): UslReport | undefined {
  return fitPoints(points.map((p) => ({ n: p.connections, x: p.rps.median })));
}

function fitPoints(points: UslPoint[]): UslReport | undefined {
  if (points.length < 2) return undefined;
  return { ...fitUsl(points), points };
}
