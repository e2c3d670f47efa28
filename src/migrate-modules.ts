import { describeError, migrateSchema, type ModuleDataSources } from '#libs/database';
import type { AppLogger } from '#libs/observability';

/**
 * The one-shot `migrate` command: connects (waiting up to a minute for the database) and
 * migrates each selected module's schema. Deployments run it as a job before replicas start.
 */
export async function migrateModules(sources: ModuleDataSources, logger: AppLogger): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  for (const { module, dataSource } of sources.all()) {
    for (let attempt = 1; !dataSource.isInitialized; attempt++) {
      try {
        await dataSource.initialize();
      } catch (error) {
        if (Date.now() > deadline) {
          logger.error({ module: module.name, err: describeError(error) }, 'database not reachable; giving up');
          return false;
        }
        logger.warn({ module: module.name, attempt, err: describeError(error) }, 'database not reachable; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    try {
      const outcome = await migrateSchema(dataSource, module.schema);
      logger.info({ module: module.name, applied: outcome.applied }, 'schema migrated');
    } catch (error) {
      logger.error({ module: module.name, err: describeError(error) }, 'migration failed');
      return false;
    }
  }
  return true;
}
