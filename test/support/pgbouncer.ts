import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';

/** The user PgBouncer runs as when the test runs as root (it refuses to run as root). */
const UNPRIVILEGED_USER = 'postgres';

export interface PgBouncerOptions {
  /** URL of the database to pool (on the CI PostgreSQL); the pooled database keeps its name. */
  readonly databaseUrl: string;
  readonly defaultPoolSize?: number;
  readonly maxClientConn?: number;
  /** More `[pgbouncer]` settings, e.g. `{ server_login_retry: 1 }`. */
  readonly settings?: Readonly<Record<string, string | number>>;
}

/**
 * A real PgBouncer (Debian's package) in transaction mode in front of one test database, in the
 * foreground with a temp dir of its own: config, log. Logins are not checked (`auth_type = any`);
 * PgBouncer logs in to PostgreSQL as the database URL's user. Its admin console (database
 * `pgbouncer`) answers SHOW POOLS, SHOW STATS, SHOW SERVERS.
 */
export class PgBouncer {
  private constructor(
    readonly port: number,
    readonly database: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<number | null>,
  ) {}

  /** The pooled database through PgBouncer. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${this.database}`;
  }

  /** PgBouncer's admin console. */
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/pgbouncer`;
  }

  static config(port: number, dir: string, options: PgBouncerOptions): string {
    const target = new URL(options.databaseUrl);
    const database = decodeURIComponent(target.pathname.slice(1));
    const user = decodeURIComponent(target.username) || 'postgres';
    return `[databases]
${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database} user=${user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = any
admin_users = ${user}
pool_mode = transaction
default_pool_size = ${options.defaultPoolSize ?? 20}
max_client_conn = ${options.maxClientConn ?? 400}
ignore_startup_parameters = extra_float_digits
logfile = ${join(dir, 'pgbouncer.log')}
${Object.entries(options.settings ?? {})
  .map(([name, value]) => `${name} = ${value}\n`)
  .join('')}`;
  }

  static async start(options: PgBouncerOptions): Promise<PgBouncer> {
    const binary = pgbouncerBinary();
    const dir = await mkdtemp(join(tmpdir(), 'tessera-pgbouncer-'));
    const asRoot = process.getuid?.() === 0;
    const port = await freePort();
    const configFile = join(dir, 'pgbouncer.ini');
    await writeFile(configFile, PgBouncer.config(port, dir, options));
    await writeFile(join(dir, 'pgbouncer.log'), '');
    if (asRoot) {
      // PgBouncer drops to the unprivileged user (-u): it must still write its log here.
      const uid = Number(execFileSync('id', ['-u', UNPRIVILEGED_USER], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', UNPRIVILEGED_USER], { encoding: 'utf8' }).trim());
      for (const path of [dir, configFile, join(dir, 'pgbouncer.log')]) await chown(path, uid, gid);
      await chmod(dir, 0o755);
    }
    const child = spawn(binary, [...(asRoot ? ['-u', UNPRIVILEGED_USER] : []), configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((done) =>
      child.once('exit', (code) => {
        exitCode = code;
        done(code);
      }),
    );
    const bouncer = new PgBouncer(
      port,
      decodeURIComponent(new URL(options.databaseUrl).pathname.slice(1)),
      dir,
      child,
      exited,
    );

    const deadline = Date.now() + 15_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (spawnError || exitCode !== undefined) break;
      const client = new Client({ connectionString: bouncer.url, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return bouncer;
      } catch (error) {
        lastError = error;
        await client.end().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const log = await bouncer.log();
    await bouncer.stop();
    throw new Error(
      `PgBouncer (${binary}) did not accept connections on ${port}: ${String(spawnError ?? lastError ?? `exited with ${exitCode}`)}\n${output}\n${log}`,
    );
  }

  /** Runs one admin console command (simple protocol, as the console requires) and answers its rows. */
  async admin<T extends Record<string, unknown>>(command: string): Promise<T[]> {
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      return (await client.query(command)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** PgBouncer's log so far. */
  log(): Promise<string> {
    return readFile(join(this.dir, 'pgbouncer.log'), 'utf8').catch(() => '');
  }

  /** Shuts PgBouncer down at once (SIGTERM; SIGKILL if it lingers) and removes its directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function pgbouncerBinary(): string {
  const candidates = [
    '/usr/sbin/pgbouncer',
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'pgbouncer')),
  ];
  const found = candidates.find((path) => path && existsSync(path));
  if (!found) throw new Error('pgbouncer is not installed (looked in /usr/sbin and on PATH)');
  return found;
}
