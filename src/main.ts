// First the env file, whose variables tracing and the settings read (see ./env-file); then
// tracing, which must start before Nest, pg and ioredis are loaded (see ./instrumentation).
import './env-file';
import './instrumentation';
import { runTessera } from './bootstrap';
import { TESSERA_MODULES } from './modules';

runTessera({ manifests: TESSERA_MODULES, argv: process.argv.slice(2), env: process.env }).catch((error: unknown) => {
  process.stderr.write(
    `tessera: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
