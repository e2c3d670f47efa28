import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { freePort } from './free-port';

/** The repository root, whether this file runs from test/ (jest) or dist-test/ (the e2e runner). */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export const ROOT = projectRoot();
export const ENTRYPOINTS = {
  /** The shipped entrypoint: real modules only. */
  main: resolve(ROOT, 'dist/main.js'),
  /** The same bootstrap with the test fixture modules (notes, echo) added. */
  fixture: resolve(ROOT, 'dist-test/test/fixtures/app/main.js'),
} as const;

/** Settings that must never leak from the developer's shell into a test process. */
const SCRUBBED =
  /^(DATABASE_URL|DATABASE_DIRECT_URL|DATABASE_REPLICA_URLS|REDIS_[A-Z_]+|QUEUE_PREFIX|APP_MODULES|APP_ROLES|PORT|HOST|[A-Z_]+_DATABASE_URL|OTEL_[A-Z_]+)$/;

function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !SCRUBBED.test(key)));
}

export interface AppProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** stdout and stderr, as they came. */
  output(): string;
  /** stderr alone: everything the app logs goes to stdout as JSON, so anything here got past the logger. */
  stderr(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  waitForStatus(path: string, status: number, timeoutMs?: number): Promise<void>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited(): Promise<number | null>;
}

/** Spawns the built app on a free port; resolves once /health/ready answers 200 unless told otherwise. */
export async function startApp(options: {
  entry?: keyof typeof ENTRYPOINTS;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  waitForReady?: boolean;
  readyTimeoutMs?: number;
  /** Flags for node itself, e.g. `--cpu-prof` when profiling under load. */
  nodeArgs?: string[];
  /** A port chosen beforehand (when other processes must know it before this one starts). */
  port?: number;
}): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ENTRYPOINTS[options.entry ?? 'fixture'], ...(options.args ?? [])],
    {
      cwd: ROOT,
      env: {
        ...baseEnv(),
        LOG_LEVEL: 'info',
        SHUTDOWN_DELAY_MS: '300',
        // Tests hammer the API from one address; the tests of rate limits set their own.
        RATE_LIMIT_DEFAULT: '1000000/60s',
        RATE_LIMIT_AUTH: '1000000/60s',
        ...options.env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let exitCode: number | null | undefined;
  void exit.then((code) => (exitCode = code));
  const url = `http://127.0.0.1:${port}`;

  const app: AppProcess = {
    url,
    port,
    child,
    output: () => output,
    stderr: () => stderr,
    exited: () => exit,
    async waitForOutput(pattern, timeoutMs = 20_000) {
      await poll(
        () => pattern.test(output),
        timeoutMs,
        () => `output never matched ${pattern}:\n${output}`,
        () => exitCode,
      );
    },
    async waitForStatus(path, status, timeoutMs = 30_000) {
      await poll(
        async () =>
          (await fetch(`${url}${path}`)
            .then((r) => r.status)
            .catch(() => 0)) === status,
        timeoutMs,
        () => `${path} never answered ${status}:\n${output}`,
        () => exitCode,
      );
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
  if (options.waitForReady ?? true) {
    try {
      await app.waitForStatus('/health/ready', 200, options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      await app.stop('SIGKILL');
      throw error;
    }
  }
  return app;
}

/** Runs the entrypoint to completion (for flag and setting errors). */
export function runToExit(options: {
  entry?: keyof typeof ENTRYPOINTS;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [ENTRYPOINTS[options.entry ?? 'main'], ...(options.args ?? [])], {
      cwd: ROOT,
      env: { ...baseEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`did not exit within ${options.timeoutMs ?? 30_000} ms:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function poll(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
  exitCode: () => number | null | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    if (exitCode() !== undefined) throw new Error(`process exited with ${exitCode()}; ${describe()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(describe());
}
