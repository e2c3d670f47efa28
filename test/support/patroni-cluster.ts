import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePortOutsideEphemeralRange } from './free-port';

const run = promisify(execFile);

/** The user PostgreSQL (and so Patroni) runs as when the test runs as root: PostgreSQL refuses root. */
const POSTGRES_USER = 'postgres';

export interface PatroniClusterOptions {
  /** Patroni's `synchronous_mode`: a commit is acknowledged once the synchronous standby has it. */
  readonly synchronous: boolean;
  /**
   * Patroni's `failsafe_mode`: while etcd cannot be reached, the leader stays primary as long as
   * it reaches every other member's REST API, instead of demoting itself when its key expires.
   */
  readonly failsafe?: boolean;
}

/** One Patroni member: its PostgreSQL port, its REST API port, and its data directory. */
interface Member {
  readonly name: string;
  readonly pgPort: number;
  readonly apiPort: number;
  readonly dataDir: string;
  readonly config: string;
  process?: ChildProcess;
}

interface ClusterMember {
  readonly name: string;
  readonly role: string;
  readonly state: string;
}

/**
 * A real high-availability PostgreSQL 15 of the test's own, the way operators run one: etcd (the
 * DCS), two Patroni members (one primary, one streaming standby) and HAProxy routing a primary
 * port on Patroni's `GET /primary` check and a replica port on `GET /replica`. Every port is
 * free at run time and every file lives in one temporary directory; `stop()` kills every process
 * it started (Patroni, its PostgreSQL and its backends, etcd, HAProxy) and removes the directory.
 * Short `ttl`/`loop_wait` make a failover take about ten seconds.
 */
export class PatroniCluster {
  private readonly children: ChildProcess[] = [];
  private etcd: ChildProcess | undefined;
  private stopped = false;

  private constructor(
    private readonly dir: string,
    private readonly members: readonly Member[],
    private readonly etcdPort: number,
    private readonly etcdPeerPort: number,
    readonly primaryPort: number,
    readonly replicaPort: number,
  ) {}

  /** The database `database` through HAProxy's primary port. */
  primaryUrl(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.primaryPort}/${database}`;
  }

  /** The database `database` through HAProxy's replica port. */
  replicaUrl(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.replicaPort}/${database}`;
  }

  /** The database `database` on one member, without HAProxy. */
  memberUrl(name: string, database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.member(name).pgPort}/${database}`;
  }

  static async start(options: PatroniClusterOptions): Promise<PatroniCluster> {
    for (const binary of ['/usr/bin/patroni', '/usr/bin/etcd', '/usr/sbin/haproxy']) {
      if (!existsSync(binary)) throw new Error(`${binary} is missing (Debian packages patroni, etcd-server, haproxy)`);
    }
    const dir = await mkdtemp(join(tmpdir(), 'tessera-patroni-'));
    const ports: number[] = [];
    const port = async () => {
      const chosen = await freePortOutsideEphemeralRange(ports);
      ports.push(chosen);
      return chosen;
    };
    const [etcdPort, etcdPeerPort, primaryPort, replicaPort] = [await port(), await port(), await port(), await port()];
    const members: Member[] = [];
    for (const name of ['pg1', 'pg2']) {
      members.push({
        name,
        pgPort: await port(),
        apiPort: await port(),
        dataDir: join(dir, name),
        config: join(dir, `${name}.yml`),
      });
    }
    const cluster = new PatroniCluster(dir, members, etcdPort, etcdPeerPort, primaryPort, replicaPort);
    try {
      await cluster.boot(options);
      return cluster;
    } catch (error) {
      const logs = await cluster.logs();
      await cluster.stop();
      throw new Error(`the Patroni cluster did not come up: ${String(error)}\n${logs}`, { cause: error });
    }
  }

  /** The current leader's name, from any member's REST API that answers (undefined while there is none). */
  async leader(): Promise<string | undefined> {
    return (await this.clusterMembers()).find((m) => m.role === 'leader' && m.state === 'running')?.name;
  }

  /**
   * Kills the leader the way a crashed machine stops: SIGKILL to its Patroni and to its
   * PostgreSQL postmaster and every backend, at once. Answers the killed member's name.
   */
  async killLeader(): Promise<string> {
    const name = await this.leader();
    if (!name) throw new Error('the cluster has no leader to kill');
    await this.kill(this.member(name));
    return name;
  }

  /**
   * A planned switchover (Patroni's `POST /switchover`): the leader is demoted, restarted as a
   * standby, and the other member promoted. Answers the old and the new leader's names once it
   * is done and the old leader streams again as `role` (`sync_standby` in synchronous mode).
   */
  async switchover(role: 'sync_standby' | 'replica', timeoutMs: number): Promise<[string, string]> {
    const leader = await this.leader();
    const candidate = this.members.find((m) => m.name !== leader)?.name;
    if (!leader || !candidate) throw new Error('the cluster has no leader and standby to switch over');
    const res = await fetch(`http://127.0.0.1:${this.member(leader).apiPort}/switchover`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ leader, candidate }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`switchover refused: ${res.status} ${await res.text()}`);
    await this.waitForNewPrimary(leader, timeoutMs);
    await until(
      async () => {
        const old = (await this.clusterMembers()).find((m) => m.name === leader);
        return old?.role === role && old.state === 'running' ? true : undefined;
      },
      `${leader} streaming again as ${role}`,
      timeoutMs,
    );
    return [leader, candidate];
  }

  /** Waits until a member other than `besides` (any, without it) is the running leader and HAProxy sends writes to it. */
  async waitForNewPrimary(besides: string | undefined, timeoutMs: number): Promise<string> {
    return until(
      async () => {
        const leader = await this.leader();
        if (!leader || leader === besides) return undefined;
        const client = new Client({ connectionString: this.primaryUrl(), connectionTimeoutMillis: 1000 });
        client.on('error', () => undefined);
        try {
          await client.connect();
          const { rows } = await client.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
          return rows[0]!.recovering ? undefined : leader;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      besides ? `a new primary besides ${besides}` : 'a primary',
      timeoutMs,
    );
  }

  /** etcd's, Patroni's and HAProxy's output so far, for a failure message. */
  async logs(): Promise<string> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    const logs = await Promise.all(
      files
        .filter((f) => f.endsWith('.log'))
        .map(async (f) => `--- ${f}\n${(await readFile(join(this.dir, f), 'utf8').catch(() => '')).slice(-4000)}`),
    );
    return logs.join('\n');
  }

  /** Kills everything this cluster started (even half-started) and removes its directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Patroni first, so that it restarts no PostgreSQL behind our back.
    for (const member of this.members) await this.kill(member);
    for (const child of this.children) killGroup(child);
    await Promise.all(this.children.map((child) => exited(child, 5000)));
    await rm(this.dir, { recursive: true, force: true });
  }

  private async boot(options: PatroniClusterOptions): Promise<void> {
    const [uid, gid] = await postgresIds();
    await chown(this.dir, uid, gid);
    await this.startEtcd();
    for (const member of this.members) {
      await writeFile(member.config, this.patroniConfig(member, options));
      await chown(member.config, uid, gid);
    }
    const [first, second] = this.members as [Member, Member];
    await this.startMember(first);
    await until(
      async () => ((await this.memberStatus(first, 'primary')) === 200 ? true : undefined),
      `${first.name} as primary`,
      60_000,
    );
    await this.startMember(second);
    await until(
      async () => {
        const members = await this.clusterMembers();
        const standby = members.find((m) => m.name === second.name);
        const wanted = options.synchronous ? 'sync_standby' : 'replica';
        return standby?.role === wanted && standby.state === 'running' ? true : undefined;
      },
      `${second.name} streaming as ${options.synchronous ? 'synchronous ' : ''}standby`,
      60_000,
    );
    await this.startHaproxy();
    // HAProxy starts every server "up" and needs `fall` failed checks (2 s) to take the wrong
    // one out: until then its primary port may reach the standby.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const [url, recovering] of [
      [this.primaryUrl(), false],
      [this.replicaUrl(), true],
    ] as const) {
      await until(
        async () => {
          const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
          client.on('error', () => undefined);
          try {
            await client.connect();
            const { rows } = await client.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
            return rows[0]!.recovering === recovering ? true : undefined;
          } finally {
            await client.end().catch(() => undefined);
          }
        },
        `HAProxy's port ${url} reaching the ${recovering ? 'standby' : 'primary'}`,
        20_000,
      );
    }
  }

  /** SIGKILLs etcd, as a crashed DCS; `startEtcd` brings it back on the same data. */
  async stopEtcd(): Promise<void> {
    const etcd = this.etcd;
    this.etcd = undefined;
    if (!etcd) return;
    killGroup(etcd);
    await exited(etcd, 5000);
  }

  /** Starts etcd on its data directory and waits until it answers. */
  async startEtcd(): Promise<void> {
    const client = `http://127.0.0.1:${this.etcdPort}`;
    const peer = `http://127.0.0.1:${this.etcdPeerPort}`;
    this.etcd = this.spawnLogged('etcd', '/usr/bin/etcd', [
      '--name',
      'etcd',
      '--data-dir',
      join(this.dir, 'etcd'),
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `etcd=${peer}`,
      '--unsafe-no-fsync',
    ]);
    await until(async () => ((await fetch(`${client}/health`)).ok ? true : undefined), 'etcd', 20_000);
  }

  private async startMember(member: Member): Promise<void> {
    await mkdir(member.dataDir, { recursive: true, mode: 0o700 });
    const [uid, gid] = await postgresIds();
    await chown(member.dataDir, uid, gid);
    member.process =
      process.getuid?.() === 0
        ? this.spawnLogged(member.name, 'runuser', ['-u', POSTGRES_USER, '--', '/usr/bin/patroni', member.config])
        : this.spawnLogged(member.name, '/usr/bin/patroni', [member.config]);
  }

  private async startHaproxy(): Promise<void> {
    const config = join(this.dir, 'haproxy.cfg');
    const servers = (check: string) =>
      this.members
        .map((m) => `  server ${m.name} 127.0.0.1:${m.pgPort} check port ${m.apiPort}`)
        .join('\n')
        .replace(/^/, `  option httpchk GET /${check}\n  http-check expect status 200\n`);
    await writeFile(
      config,
      `global
  maxconn 2000

defaults
  mode tcp
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  timeout check 2s
  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions

listen primary
  bind 127.0.0.1:${this.primaryPort}
${servers('primary')}

listen replicas
  bind 127.0.0.1:${this.replicaPort}
  balance roundrobin
${servers('replica')}
`,
    );
    this.spawnLogged('haproxy', '/usr/sbin/haproxy', ['-db', '-f', config]);
  }

  private patroniConfig(member: Member, options: PatroniClusterOptions): string {
    return `scope: tessera-test
name: ${member.name}
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:${member.apiPort}
  connect_address: 127.0.0.1:${member.apiPort}
etcd3:
  hosts: 127.0.0.1:${this.etcdPort}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: ${options.synchronous}
    failsafe_mode: ${options.failsafe ?? false}
    postgresql:
      use_pg_rewind: false
      parameters:
        max_connections: 100
        fsync: 'off'
        full_page_writes: 'off'
  initdb:
    - encoding: UTF8
    - auth: trust
postgresql:
  listen: 127.0.0.1:${member.pgPort}
  connect_address: 127.0.0.1:${member.pgPort}
  data_dir: ${member.dataDir}
  bin_dir: ${postgresBin()}
  pgpass: ${join(this.dir, `${member.name}.pgpass`)}
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: ${this.dir}
`;
  }

  private spawnLogged(name: string, command: string, args: readonly string[]): ChildProcess {
    // Its own process group, so that stop() reaches whatever it forks.
    const child = spawn(command, [...args], { cwd: this.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = join(this.dir, `${name}.log`);
    const append = (chunk: Buffer) => void writeFile(log, chunk, { flag: 'a' }).catch(() => undefined);
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.on('error', (error) => append(Buffer.from(`spawn failed: ${String(error)}\n`)));
    this.children.push(child);
    return child;
  }

  /** SIGKILL to a member's Patroni (its process group) and to its postmaster and backends (each their own session). */
  private async kill(member: Member): Promise<void> {
    if (member.process) killGroup(member.process);
    const pid = Number((await readFile(join(member.dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return;
    const pids = [pid, ...(await childrenOf(pid))];
    for (const target of pids) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (member.process) await exited(member.process, 5000);
  }

  private member(name: string): Member {
    const found = this.members.find((m) => m.name === name);
    if (!found) throw new Error(`no member ${name}`);
    return found;
  }

  private async memberStatus(member: Member, check: string): Promise<number> {
    return (await fetch(`http://127.0.0.1:${member.apiPort}/${check}`, { signal: AbortSignal.timeout(1000) })).status;
  }

  private async clusterMembers(): Promise<ClusterMember[]> {
    for (const member of this.members) {
      try {
        const res = await fetch(`http://127.0.0.1:${member.apiPort}/cluster`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return ((await res.json()) as { members: ClusterMember[] }).members;
      } catch {
        // That member is down: ask the other.
      }
    }
    return [];
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The process ids whose parent is `pid` (PostgreSQL backends are session leaders of their own). */
async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

async function postgresIds(): Promise<[number, number]> {
  if (process.getuid?.() !== 0) return [process.getuid?.() ?? 0, process.getgid?.() ?? 0];
  const { stdout: uid } = await run('id', ['-u', POSTGRES_USER]);
  const { stdout: gid } = await run('id', ['-g', POSTGRES_USER]);
  return [Number(uid.trim()), Number(gid.trim())];
}

function postgresBin(): string {
  const dir = '/usr/lib/postgresql/15/bin';
  if (!existsSync(join(dir, 'postgres'))) throw new Error(`PostgreSQL 15 is not installed in ${dir}`);
  return dir;
}

/** Polls `probe` every 100 ms until it answers something, or fails after `timeoutMs`. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} not there within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
