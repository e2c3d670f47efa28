/**
 * Data source for the TypeORM CLI (generating and inspecting one module's migrations):
 *
 *   npm run build
 *   MODULE=identity DATABASE_URL=postgres://... npx typeorm migration:show -d dist-test/ormconfig.js
 *
 * It reads a database the app has migrated at least once (the module's schema must exist).
 * The app never reads this file: at run time each module's data source is built from its
 * manifest by libs/database, and `node dist/main.js migrate` applies migrations.
 */
import { loadSettings } from '#libs/config';
import { DatabasePools, ModuleDataSources } from '#libs/database';
import { MESSAGING_MIGRATIONS } from '#libs/messaging';
import { TESSERA_MODULES } from '#app/modules/index';

const moduleName = process.env.MODULE ?? TESSERA_MODULES[0]?.name;
const manifest = TESSERA_MODULES.find((candidate) => candidate.name === moduleName);
if (!manifest) {
  throw new Error(
    `set MODULE to one of: ${TESSERA_MODULES.map((m) => m.name).join(', ') || '(no modules registered yet)'}`,
  );
}
const settings = loadSettings(process.env, [manifest]);
const url = settings.moduleDatabaseUrls[manifest.name] ?? settings.databaseUrl;
if (!url) throw new Error('set DATABASE_URL (or <MODULE>_DATABASE_URL) for the TypeORM CLI');

const pools = new DatabasePools({
  shares: { requests: 1, events: 0, queues: 0 },
  acquireTimeoutMs: settings.databasePoolTimeoutMs,
  preparedStatements: settings.databasePreparedStatements,
  replicaQueryTimeoutMs: settings.replicaQueryTimeoutMs,
  primaryUrl: url,
  primaryDirectUrl: settings.databaseDirectUrl ?? url,
});
// The data source the app migrates with: module schema, search_path, outbox/inbox migration first.
export default new ModuleDataSources(
  [manifest],
  url,
  settings.moduleDatabaseUrls,
  pools,
  MESSAGING_MIGRATIONS,
).migrationSource(manifest.name);
