import type { BackendLogger } from '../backend/storage-backend';
import { processWide } from '../util/process-wide';
import type { MigrationEvent } from './migrations/migration-report';

const state = processWide('schema-startup', () => ({ suppressed: false }));

/**
 * The CLI boots the application to reach its connections; `migrationsRun` and `synchronize`
 * must not run then (`status` must not migrate, `migration:generate` must diff the schema as it
 * is). Process-wide, so an application loaded through another copy of the library obeys it too.
 */
export function suppressStartupSchemaWork(): void {
  state.suppressed = true;
}

export function startupWorkSuppressed(): boolean {
  return state.suppressed;
}

/** Startup migrations report through the application's logger. */
export function logMigrationEvent(logger: BackendLogger, event: MigrationEvent): void {
  switch (event.kind) {
    case 'lock-wait':
      logger.log(`Connection '${event.connection}': waiting for the migration lock${event.holder ? ` held by ${event.holder}` : ''} (another instance is migrating)`);
      break;
    case 'lock-taken-over':
      logger.warn(`Connection '${event.connection}': took over the migration lock of ${event.previousHolder}, whose lease had expired`);
      break;
    case 'done':
      logger.log(`Connection '${event.connection}': migration ${event.migration} ${event.direction === 'up' ? 'applied' : 'reverted'} in ${event.ms} ms`);
      break;
    case 'skipped':
      logger.log(`Connection '${event.connection}': migration ${event.migration} ${event.reason}`);
      break;
    case 'failed':
      logger.error(event.error.message);
      break;
    case 'warning':
      logger.warn(`Connection '${event.connection}': ${event.message}`);
      break;
    case 'start':
      break;
  }
}
