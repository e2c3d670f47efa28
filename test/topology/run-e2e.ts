import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ROOT } from '../support/app-process';
import { startDisposableRedisCluster, type DisposableRedisCluster } from '../support/disposable-services';
import { freePortOutsideEphemeralRange } from '../support/free-port';
import {
  E2E_DATABASES,
  E2E_PAYMENT_WEBHOOK_SECRET,
  E2E_RESERVATION_TTL_SECONDS,
  launchTopology,
  TOPOLOGIES,
  type E2eDatabase,
  type E2eRedis,
  type RunningTopology,
  type Topology,
} from './topology';

/**
 * What a black-box test may ask of the deployment beyond HTTP: `POST /crash?module=payments`
 * SIGKILLs the processes running that module's workers and answers once they run again.
 */
async function controlServer(running: RunningTopology): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://control');
    const module = url.searchParams.get('module');
    if (request.method !== 'POST' || url.pathname !== '/crash' || !module) {
      response.writeHead(404).end();
      return;
    }
    running.crashAndRestart(module).then(
      (count) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count })),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return server;
}

/**
 * `npm run test:e2e -- --topology single|replicated|split|all [--database shared|embedded] [--redis shared|cluster]`:
 * starts the topology, runs the black-box e2e suite (test/e2e) against its base URL, stops it,
 * and exits with jest's code. Every e2e test runs unchanged in every topology. `--database
 * embedded` runs the single process on the embedded PostgreSQL `npm start` uses instead of a
 * database on the shared server. `--redis cluster` starts a three-master Redis Cluster of its
 * own (free ports, own directories), points the deployment at it with REDIS_CLUSTER_NODES
 * instead of the shared Redis, and stops it at the end.
 */
async function main(): Promise<void> {
  const flag = process.argv.indexOf('--topology');
  const requested = flag >= 0 ? process.argv[flag + 1] : 'all';
  const topologies: Topology[] =
    requested === 'all' ? [...TOPOLOGIES] : TOPOLOGIES.includes(requested as Topology) ? [requested as Topology] : [];
  if (topologies.length === 0) {
    process.stderr.write(`--topology must be one of ${TOPOLOGIES.join(', ')}, all\n`);
    process.exit(2);
  }
  const databaseFlag = process.argv.indexOf('--database');
  const database = (databaseFlag >= 0 ? process.argv[databaseFlag + 1] : 'shared') as E2eDatabase;
  if (!E2E_DATABASES.includes(database)) {
    process.stderr.write(`--database must be one of ${E2E_DATABASES.join(', ')}\n`);
    process.exit(2);
  }
  const redisFlag = process.argv.indexOf('--redis');
  const redisKind = redisFlag >= 0 ? process.argv[redisFlag + 1] : 'shared';
  if (redisKind !== 'shared' && redisKind !== 'cluster') {
    process.stderr.write('--redis must be one of shared, cluster\n');
    process.exit(2);
  }
  const ours = ['--topology', '--database', '--redis'];
  const jestArgs = process.argv.slice(2).filter((arg, i, all) => !ours.includes(arg) && !ours.includes(all[i - 1]!));
  let failed = false;
  // Picked once: the deployment is told to call them, the tests listen on them.
  const webhookPort = await freePortOutsideEphemeralRange();
  const receivers = { webhookPort, smtpPort: await freePortOutsideEphemeralRange([webhookPort]) };
  const cluster: DisposableRedisCluster | undefined =
    redisKind === 'cluster' ? await startDisposableRedisCluster(3) : undefined;
  const redis: E2eRedis = cluster ? { kind: 'other', env: { REDIS_CLUSTER_NODES: cluster.nodes } } : { kind: 'shared' };
  try {
    for (const topology of topologies) if (await runSuite(topology)) failed = true;
  } finally {
    await cluster?.stop();
  }
  process.exit(failed ? 1 : 0);

  /** Launches the topology, runs jest against it, stops it; answers whether the suite failed. */
  async function runSuite(topology: Topology): Promise<boolean> {
    let failed = false;
    const running = await launchTopology(topology, 'fixture', receivers, {}, database, redis);
    const where = cluster ? `, redis: cluster of 3 masters (${cluster.nodes})` : '';
    process.stdout.write(`\n== e2e suite, topology: ${topology}, database: ${running.database}${where}\n`);
    const control = await controlServer(running);
    try {
      const code = await new Promise<number | null>((done) => {
        const jest = spawn(
          process.execPath,
          // In band: a test that crashes processes must not do so under another file's tests.
          [resolve(ROOT, 'node_modules/jest/bin/jest.js'), '--selectProjects', 'e2e', '--runInBand', ...jestArgs],
          {
            cwd: ROOT,
            stdio: 'inherit',
            env: {
              ...process.env,
              E2E_BASE_URL: running.baseUrl,
              E2E_TOPOLOGY: topology,
              E2E_SIGNING_KEY: running.signingKeyPem,
              E2E_RESERVATION_TTL_SECONDS: String(E2E_RESERVATION_TTL_SECONDS),
              E2E_PAYMENT_WEBHOOK_SECRET,
              E2E_CONTROL_URL: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
              E2E_WEBHOOK_PORT: String(receivers.webhookPort),
              E2E_SMTP_PORT: String(receivers.smtpPort),
            },
          },
        );
        jest.once('exit', done);
      });
      if (code !== 0) failed = true;
      // Everything the app logs is JSON on stdout: whatever reached stderr got past the logger.
      for (const [i, app] of running.processes.entries()) {
        if (app.stderr() === '') continue;
        process.stderr.write(`e2e: process ${i} (pid ${app.child.pid}) wrote to stderr:\n${app.stderr()}\n`);
        failed = true;
      }
    } finally {
      control.close();
      await running.stop();
    }
    return failed;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`e2e: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
