/**
 * Cost of stateless auth (`npm run bench:auth`):
 *
 * 1. access-token verifications per second on one core, in-process (libs/auth's verifier,
 *    in-process JWKS, EdDSA);
 * 2. HTTP throughput of a protected GET (`/v1/echo/whoami`, bearer token verified on every
 *    request) beside the public GET of the same controller (`/v1/echo`, same work minus
 *    auth), the app pinned to core 0 and autocannon to core 1, alternating, 3 runs each.
 *
 * Options: --seconds 8 --connections 50 --repeat 3
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { calculateJwkThumbprint, SignJWT, type JWK } from 'jose';
import { AccessTokenVerifier, LocalJwks } from '#libs/auth';
import { loadSettings } from '#libs/config';
import { benchArgs } from './bench-args';
import { median } from './lib/stats';
import { ENTRYPOINTS, ROOT } from '../test/support/app-process';
import { freePort } from '../test/support/free-port';
import { freshEmail, sessionFor } from '../test/support/sessions';
import { createTestDatabase } from '../test/support/test-database';

const args = benchArgs();
const SECONDS = Number(args.get('seconds') ?? 8);
const CONNECTIONS = Number(args.get('connections') ?? 50);
const REPEAT = Number(args.get('repeat') ?? 3);

async function verificationsPerSecond(): Promise<number> {
  const settings = loadSettings({}, []);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  const local = new LocalJwks();
  local.register({ publicKeys: () => [{ ...jwk, kid, alg: 'EdDSA', use: 'sig' }], refresh: async () => undefined });
  const verifier = new AccessTokenVerifier(settings, local);
  const now = Math.floor(Date.now() / 1000);
  // Distinct tokens: each verification checks a signature (the verifier caches tokens it has seen).
  const tokens = await Promise.all(
    Array.from({ length: 30_000 }, () =>
      new SignJWT({ roles: ['customer'] })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setSubject(randomUUID())
        .setIssuer(settings.authIssuer)
        .setAudience(settings.authAudience)
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .setJti(randomUUID())
        .sign(privateKey),
    ),
  );
  for (const token of tokens.slice(0, 2000)) await verifier.verify(token); // warm-up
  let count = 0;
  const started = performance.now();
  for (const token of tokens.slice(2000)) {
    await verifier.verify(token);
    count++;
    if (performance.now() - started > 3000) break;
  }
  return count / ((performance.now() - started) / 1000);
}

async function load(
  url: string,
  headers: Record<string, string>,
): Promise<{ rps: number; p99: number; errors: number }> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function main(): Promise<void> {
  process.stdout.write('verifying distinct tokens in-process...\n');
  const verifications = await verificationsPerSecond();

  const db = await createTestDatabase('bench_auth');
  const port = await freePort();
  const app = spawn('taskset', ['-c', '0', process.execPath, ENTRYPOINTS.fixture, '--modules', 'identity,echo'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false' },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 300; i++) {
      if (
        (await fetch(`${base}/health/ready`).then(
          (r) => r.status,
          () => 0,
        )) === 200
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { accessToken } = await sessionFor(base, freshEmail('bench'));
    const auth = { authorization: `Bearer ${accessToken}` };
    await load(`${base}/v1/echo`, {}); // warm-up
    await load(`${base}/v1/echo/whoami`, auth);
    const open: Awaited<ReturnType<typeof load>>[] = [];
    const guarded: Awaited<ReturnType<typeof load>>[] = [];
    for (let run = 0; run < REPEAT; run++) {
      open.push(await load(`${base}/v1/echo`, {}));
      guarded.push(await load(`${base}/v1/echo/whoami`, auth));
    }
    const openRps = median(open.map((r) => r.rps));
    const guardedRps = median(guarded.map((r) => r.rps));
    const report = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      verificationsPerSecond: Math.round(verifications),
      publicGet: { rpsMedian: Math.round(openRps), runs: open },
      protectedGet: { rpsMedian: Math.round(guardedRps), runs: guarded },
      ratio: Math.round((guardedRps / openRps) * 100) / 100,
      authCostPercent: Math.round((1 - guardedRps / openRps) * 1000) / 10,
    };
    process.stdout.write(
      [
        '',
        '| measure | value |',
        '|---|---|',
        `| token signature verifications/s (one core, in-process, distinct tokens) | ${report.verificationsPerSecond} |`,
        `| public GET /v1/echo, req/s (median of ${REPEAT}) | ${report.publicGet.rpsMedian} |`,
        `| protected GET /v1/echo/whoami, req/s | ${report.protectedGet.rpsMedian} |`,
        `| protected / public | ${report.ratio} (auth costs ${report.authCostPercent} %) |`,
        '',
      ].join('\n'),
    );
    const dir = join(ROOT, 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `auth-${new Date().toISOString().slice(0, 10)}.json`), JSON.stringify(report, null, 2));
  } finally {
    app.kill('SIGTERM');
    await new Promise((r) => app.once('exit', r));
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
