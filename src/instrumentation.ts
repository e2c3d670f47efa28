import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTracing } from '#libs/tracing';

/**
 * Imported by every entrypoint right after ./env-file, before Nest, pg or ioredis are loaded, so the
 * instrumentations can patch them. Starts OpenTelemetry only when an exporter is configured by
 * the standard OTEL_* variables (docs/operations.md, "Tracing"); `--help`, `--version` and
 * `modules` only print.
 */
const command = process.argv[2];
if (command !== 'modules' && command !== '--help' && command !== '-h' && command !== '--version') {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  startTracing(process.env, version);
}
