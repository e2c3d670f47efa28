import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { ENTRYPOINTS, ROOT, startApp, type AppProcess } from '../../test/support/app-process';
import { ADMIN_EMAIL } from '../../test/support/sessions';

/** What every Tessera process of the suite shares: one database, Redis queues and cache, one signing key. */
export interface Deployment {
  readonly env: NodeJS.ProcessEnv;
  readonly signingKeyPem: string;
}

export function deploymentFor(databaseUrl: string, queueEnv: NodeJS.ProcessEnv): Deployment {
  const signingKeyPem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    signingKeyPem,
    env: {
      DATABASE_URL: databaseUrl,
      ...queueEnv,
      ADMIN_EMAILS: ADMIN_EMAIL,
      AUTH_PRIVATE_KEY: signingKeyPem,
      LOG_LEVEL: 'warn',
      // One client address sends everything; the other benches measure without limits too.
      RATE_LIMIT_ENABLED: 'false',
      TRUST_PROXY: 'loopback',
    },
  };
}

/** Every module's schema, by a short-lived process, before data is seeded into it. */
export function migrate(deployment: Deployment): void {
  execFileSync(process.execPath, [ENTRYPOINTS.main, 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, ...deployment.env },
    stdio: 'ignore',
  });
}

/**
 * One full process (every module and role, as `node dist/main.js` runs by default), pinned
 * to `cores` once ready, so start-up is not part of what is measured.
 */
export async function startTessera(
  deployment: Deployment,
  options: { cores?: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): Promise<AppProcess> {
  const app = await startApp({
    entry: 'main',
    env: { ...deployment.env, ...options.env },
    readyTimeoutMs: 120_000,
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
  });
  if (options.cores)
    execFileSync('taskset', ['-a', '-p', '-c', options.cores, String(app.child.pid)], { stdio: 'ignore' });
  return app;
}
