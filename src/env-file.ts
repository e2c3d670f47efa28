import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Imported first by every entrypoint, before tracing reads `OTEL_*` and before the settings
 * load: fills `process.env` from `ENV_FILE` when set (it must exist), else from `.env` in the
 * working directory when there is one. A variable already in the environment wins, so the
 * file holds defaults an orchestrator or a shell can still override.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const named = env.ENV_FILE?.trim();
  const path = resolve(cwd, named || '.env');
  if (!named && !existsSync(path)) return undefined;
  process.loadEnvFile(path);
  return path;
}

try {
  loadEnvFile(process.env, process.cwd());
} catch (error) {
  // As for any wrong setting (libs/config, ConfigError): one line and exit code 2.
  process.stderr.write(`tessera: ENV_FILE: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
