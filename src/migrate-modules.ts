import { databaseUnreachable, describeError, migrateModuleSchema, type ModuleDataSources } from '#libs/database';
import type { AppLogger } from '#libs/observability';

/**
 * The one-shot `migrate` command: connects (waiting up to a minute for the database) and
 * migrates each selected module's schema. Deployments run it as a job before replicas start.
 */
export async function migrateModules(sources: ModuleDataSources, logger: AppLogger): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  for (const { module } of sources.all()) {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await migrateModuleSchema(sources, module.name);
        logger.info({ module: module.name, applied: outcome.applied }, 'schema migrated');
        break;
      } catch (error) {
        if (!databaseUnreachable(error)) {
          logger.error({ module: module.name, err: describeError(error) }, 'migration failed');
          return false;
        }
        if (Date.now() > deadline) {
          logger.error({ module: module.name, err: describeError(error) }, 'database not reachable; giving up');
          return false;
        }
        logger.warn({ module: module.name, attempt, err: describeError(error) }, 'database not reachable; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
  return true;
}
