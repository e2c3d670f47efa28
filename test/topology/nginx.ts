import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port';

/** What nginx retries on the next upstream (idempotent methods; with non_idempotent, keyed POSTs too). */
const RETRIED = 'error timeout http_502 http_503 http_504';

export interface NginxOptions {
  /**
   * Failures after which nginx leaves an upstream server alone for 2 s (`max_fails`; default 1).
   * 0 keeps a failing server in the rotation: a test of retries sees every request try it.
   */
  readonly maxFails?: number;
}

export interface Route {
  /** A path prefix such as `/v1/notes`; `/` is the default route. */
  readonly prefix: string;
  readonly ports: readonly number[];
}

/**
 * A real nginx (Debian's package) in front of the app processes: round-robin with
 * keep-alive to the upstreams, retrying on the next upstream what is safe to retry (as
 * docker/nginx/*.conf do): idempotent methods, and POSTs that carry an Idempotency-Key to a
 * route that honours it (POST /v1/orders).
 */
export class Nginx {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static config(port: number, dir: string, routes: readonly Route[], options: NginxOptions = {}): string {
    const maxFails = options.maxFails ?? 1;
    const upstreams = routes
      .map(
        (route, i) =>
          `  upstream u${i} {\n${route.ports.map((p) => `    server 127.0.0.1:${p} max_fails=${maxFails} fail_timeout=2s;`).join('\n')}\n    keepalive 16;\n  }`,
      )
      .join('\n');
    // proxy_next_upstream takes no variables: a keyed POST /v1/orders goes (`return 418`,
    // method, URI and body untouched) to its upstream's named location that retries it.
    const locations = routes
      .map(
        (route, i) =>
          `    location ${route.prefix} { proxy_pass http://u${i}; error_page 418 = @u${i}_keyed_post; if ($keyed_post) { return 418; } }\n` +
          `    location @u${i}_keyed_post {\n      proxy_pass http://u${i};\n      proxy_next_upstream ${RETRIED} non_idempotent;\n    }`,
      )
      .join('\n');
    return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 2m;
  keepalive_timeout 65s;
  keepalive_requests 100000;
  map "$request_method $uri" $key_honoured {
    default 0;
    "~^POST /v1/orders/?$" 1;
  }
  map "$key_honoured:$http_idempotency_key" $keyed_post {
    default 0;
    "~^1:." 1;
  }
${upstreams}
  server {
    listen 127.0.0.1:${port} backlog=4096;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_next_upstream ${RETRIED};
    proxy_next_upstream_tries 3;
    proxy_connect_timeout 2s;
    proxy_read_timeout 60s;
${locations}
  }
}
`;
  }

  static start(routes: readonly Route[], options: NginxOptions = {}): Promise<Nginx> {
    return Nginx.launch((port, dir) => Nginx.config(port, dir, routes, options));
  }

  /**
   * Runs nginx with the configuration `render` writes for a free port and a directory of its
   * own (pid, logs, temp files); resolves once it proxies `/health/live`.
   */
  static async launch(render: (port: number, dir: string) => string): Promise<Nginx> {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-nginx-'));
    // nginx workers drop privileges; they must still write their temp files here.
    await chmod(dir, 0o777);
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, sub), { mode: 0o777 });
    const port = await freePort();
    const configFile = join(dir, 'nginx.conf');
    await writeFile(configFile, render(port, dir));
    const child = spawn('nginx', ['-c', configFile, '-p', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    // Without this, a missing binary is an unhandled 'error' event that kills the launcher and
    // orphans the app processes it started.
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    const nginx = new Nginx(port, dir, child);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (spawnError) {
        await rm(dir, { recursive: true, force: true });
        throw new Error(`nginx could not start (${spawnError.message}); .ci/run installs it`);
      }
      const up = await fetch(`http://127.0.0.1:${port}/health/live`).then(
        () => true,
        () => false,
      );
      if (up) return nginx;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await nginx.stop();
    throw new Error('nginx did not start');
  }

  /** nginx's error log so far: each upstream failure (refused, reset, 5xx retried) is a line. */
  async errorLog(): Promise<string> {
    return readFile(join(this.dir, 'error.log'), 'utf8').catch(() => '');
  }

  async stop(): Promise<void> {
    if (this.child.pid !== undefined && this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGQUIT');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
