import type { SchemaSupport } from '../../backend/schema-support';
import type { Connection } from '../../connection/connection';
import { StatementFailure, type StatementLog } from '../builder/schema-builder';
import { MigrationError } from './migration-error';
import type { HistoryEntry, MigrationHistory } from './migration-history';

/**
 * The error a failed migration ends with, saying what happened to the schema; and, where DDL is
 * not transactional and statements were applied, the failure marker that keeps later runs from
 * going on from a half-migrated schema (where nothing ran, the running marker goes again).
 */
export async function migrationFailure(
  connection: Connection,
  support: SchemaSupport,
  history: MigrationHistory,
  migration: { id: string; direction: 'up' | 'down'; batch: number },
  log: StatementLog,
  error: unknown,
): Promise<MigrationError> {
  const { id, direction, batch } = migration;
  if (error instanceof MigrationError && error.migration === id) return error;
  const name = connection.name;
  const cause = error instanceof StatementFailure ? error.error : error;
  const statement = error instanceof StatementFailure ? error.statement : undefined;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const where = `Migration ${id} (${direction}) failed on connection '${name}' (${connection.dialect.name})`;
  const failed = statement ? `\n  failed statement: ${statement}` : '';
  if (!support.transactionalDdl && log.applied.length === 0) {
    // Nothing ran: the running marker goes, and the migration stands where it stood.
    await (direction === 'up' ? history.forget(id) : history.markApplied(id)).catch(() => undefined);
  }
  if (support.transactionalDdl || log.applied.length === 0) {
    const undone = support.transactionalDdl ? 'its transaction was rolled back, nothing of it was applied' : 'no statement of it had run, nothing was applied';
    return new MigrationError(`${where}: ${reason}${failed}\n  ${undone}; fix the migration and run migrate again`, {
      connection: name,
      migration: id,
      direction,
      statement,
      rolledBack: true,
      cause,
    });
  }
  let marked = true;
  try {
    await history.markFailed(id, batch, { direction, statement, applied: log.applied, error: reason });
  } catch {
    marked = false;
  }
  const applied = log.applied.map((sql) => `\n    ${sql}`).join('');
  return new MigrationError(
    `${where}: ${reason}${failed}\n` +
      `  ${connection.dialect.name} cannot roll DDL back: these ${log.applied.length} statement(s) of it were applied and stay applied:${applied}\n` +
      (marked
        ? `  It is marked failed in ar_migrations, and migrate refuses to run on '${name}' until you repair the schema by hand ` +
          `(undo the statements above, or finish the migration) and run migrate with --retry-failed.`
        : `  Recording the failure in ar_migrations failed too: repair the schema by hand before running migrate again.`),
    { connection: name, migration: id, direction, statement, appliedStatements: [...log.applied], rolledBack: false, cause },
  );
}

/** Why a run refuses a connection whose history holds a failed (or interrupted) migration. */
export function halfMigrated(connection: string, entry: HistoryEntry): MigrationError {
  const detail = entry.detail;
  const applied = detail?.applied.map((sql) => `\n    ${sql}`).join('') ?? '';
  return new MigrationError(
    `Connection '${connection}' is half-migrated: migration ${entry.id} (${detail?.direction ?? 'up'}) failed on ${entry.appliedAt.toISOString()}` +
      (detail?.statement ? ` at the statement\n    ${detail.statement}\n  (${detail.error})` : detail ? `:\n  ${detail.error}` : '') +
      (applied ? `\n  after applying:${applied}` : '') +
      `\n  Repair the schema by hand, then run migrate with --retry-failed (or migrator.migrate({ retryFailed: true })).`,
    { connection, migration: entry.id, direction: detail?.direction, statement: detail?.statement, appliedStatements: detail?.applied ?? [] },
  );
}
