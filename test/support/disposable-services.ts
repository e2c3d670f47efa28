import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { freePort, freePortOutsideEphemeralRange } from './free-port';

const run = promisify(execFile);

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

/** A Redis server of the test's own, without persistence, that the test may kill and restart empty. */
export interface DisposableRedis {
  readonly url: string;
  /** SIGKILL: its data is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDisposableRedis(): Promise<DisposableRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await until(async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, 'the test Redis');
  };
  const kill = async () => {
    const dying = child;
    child = undefined;
    if (!dying || dying.exitCode !== null) return;
    const exited = new Promise((resolve) => dying.once('exit', resolve));
    dying.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url, kill, start, stop: kill };
}

/** A PostgreSQL cluster of the test's own (initdb in a temporary directory), to stop and restart. */
export interface DisposablePostgres {
  /** The `postgres` database, as superuser. */
  readonly url: string;
  /** Creates a database on the cluster and answers its URL. */
  createDatabase(name: string): Promise<string>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return found;
}

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` user. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/**
 * With `replicaOf`, a streaming replica of that cluster (`pg_basebackup -R`), for tests that pause
 * its replay: CI's replica on 5433 serves every test running at the time.
 */
export async function startDisposablePostgres({
  replicaOf,
}: { replicaOf?: DisposablePostgres } = {}): Promise<DisposablePostgres> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = async (command: string, args: string[]) => {
    const [file, argv] = asPostgres(join(bin, command), args);
    await run(file, argv, { cwd: dir });
  };
  if (replicaOf) await pg('pg_basebackup', ['-D', data, '-R', '-X', 'stream', '-c', 'fast', '-d', replicaOf.url]);
  else await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ready = () =>
    until(async () => {
      const client = new Client({ connectionString: url });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, 'the test PostgreSQL');
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    await ready();
  };
  const stop = () => pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  return {
    url,
    start,
    stop,
    createDatabase: async (name) => {
      const admin = new Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    restart: async () => {
      await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-m', 'fast', '-w', 'restart']);
      await ready();
    },
    destroy: async () => {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pingable(port: number): Promise<boolean> {
  return (await ask<string>(port, 'PING')) === 'PONG';
}

/** One command to a local Redis or sentinel on `port`, answered or failed within a second or two. */
async function ask<T>(port: number, command: string, ...args: (string | number)[]): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
    commandTimeout: 2000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.call(command, ...args)) as T;
  } finally {
    client.disconnect();
  }
}

/** Stops a child with SIGKILL and waits for its exit. */
async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A Redis master with one replica and three sentinels of the test's own, each on a free port with its own directory. */
export interface DisposableRedisSentinel {
  /** The REDIS_SENTINELS value: the three sentinels' `host:port`. */
  readonly sentinels: string;
  readonly masterName: string;
  /** The port of the master as the sentinels see it now. */
  masterPort(): Promise<number>;
  /** SIGKILLs the current master (no shutdown, no last sync), as a crash; answers its port. */
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Failure detection after 1 s of silence and a failover timeout of 5 s, so a test sees a
 * failover complete in seconds (production keeps Sentinel's defaults of 30 s and 3 min, or
 * something near them).
 */
export async function startDisposableRedisSentinel(): Promise<DisposableRedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-sentinel-'));
  const masterName = 'tessera';
  const children = new Map<number, ChildProcess>();
  const server = async (port: number, extra: string[]) => {
    const own = join(dir, `redis-${port}`);
    mkdirSync(own);
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', own];
    children.set(port, spawn('redis-server', [...args, ...extra], { stdio: 'ignore' }));
  };
  const [masterPort, replicaPort] = [await freePort(), await freePort()];
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  const stop = async () => {
    await Promise.all([...children.values()].map(killChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server(masterPort, []);
    await until(() => pingable(masterPort), 'the test Redis master');
    await server(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
    await until(
      async () => (await ask<string>(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
      'the test Redis replica',
    );
    for (const port of sentinelPorts) {
      // Sentinel rewrites its configuration file: each gets its own.
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      children.set(port, spawn('redis-sentinel', [conf], { stdio: 'ignore' }));
    }
    // Every sentinel knows the replica and enough others to authorise a failover.
    await until(
      async () => {
        for (const port of sentinelPorts) {
          if (!String(await ask(port, 'SENTINEL', 'CKQUORUM', masterName)).startsWith('OK 3 usable')) return false;
          const replicas = await ask<unknown[]>(port, 'SENTINEL', 'REPLICAS', masterName);
          if (replicas.length === 0) return false;
        }
        return true;
      },
      'the test sentinels',
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const currentMaster = async () => {
    const [, port] = await ask<[string, string]>(sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName);
    return Number(port);
  };
  return {
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
    masterName,
    masterPort: currentMaster,
    killMaster: async () => {
      const port = await currentMaster();
      await killChild(children.get(port));
      return port;
    },
    stop,
  };
}

/** A Redis Cluster of the test's own: masters, each with `replicas` replicas, on free ports with their own directories. */
export interface DisposableRedisCluster {
  /** The REDIS_CLUSTER_NODES value: every node's `host:port`. */
  readonly nodes: string;
  /** The port of the master that serves `key`'s slot now, as a live node sees it. */
  masterPortOf(key: string): Promise<number>;
  /** SIGKILLs the master serving `key`'s slot (no shutdown, no last sync), as a crash; answers its port. */
  killMasterOf(key: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A node is taken for failed after 2 s of silence (`cluster-node-timeout`; production keeps
 * something near the default 15 s), so a test sees a replica promoted in seconds.
 */
export async function startDisposableRedisCluster(masters = 3, replicas = 0): Promise<DisposableRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all([...children.values()].map(killChild));
    rmSync(dir, { recursive: true, force: true });
  };
  const ports: number[] = [];
  const taken: number[] = [];
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      // Redis 7 takes the cluster bus port as a setting: both are free ports, not port + 10000, and
      // outside the ephemeral range, where a busy suite's outgoing connections may take one first.
      const port = await freePortOutsideEphemeralRange(taken);
      const busPort = await freePortOutsideEphemeralRange([...taken, port]);
      taken.push(port, busPort);
      const own = join(dir, `node-${port}`);
      mkdirSync(own);
      children.set(
        port,
        spawn(
          'redis-server',
          [
            ...['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1'],
            ...['--cluster-enabled', 'yes', '--cluster-config-file', join(own, 'nodes.conf')],
            ...['--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', own],
          ],
          { stdio: 'ignore' },
        ),
      );
      ports.push(port);
    }
    for (const port of ports) await until(() => pingable(port), 'a test Redis Cluster node');
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await until(
      async () => {
        for (const port of ports) {
          const info = await ask<string>(port, 'CLUSTER', 'INFO');
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${ports.length}`)) return false;
        }
        // Every replica has attached to its master and synced.
        const nodes = await ask<string>(ports[0]!, 'CLUSTER', 'NODES');
        return nodes.split('\n').filter((line) => line.includes(' slave ')).length === masters * replicas;
      },
      'the test Redis Cluster',
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const live = () => ports.filter((port) => children.get(port)?.exitCode === null && !children.get(port)?.signalCode);
  const masterPortOf = async (key: string): Promise<number> => {
    const port = live()[0]!;
    const slot = await ask<number>(port, 'CLUSTER', 'KEYSLOT', key);
    const ranges = await ask<[number, number, [string, number, ...unknown[]], ...unknown[]][]>(
      port,
      'CLUSTER',
      'SLOTS',
    );
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no master serves slot ${slot}`);
    return Number(range[2][1]);
  };
  return {
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(','),
    masterPortOf,
    killMasterOf: async (key) => {
      const port = await masterPortOf(key);
      await killChild(children.get(port));
      return port;
    },
    stop,
  };
}
