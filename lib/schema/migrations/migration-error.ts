import { ActiveRecordError, type ErrorContext } from '../../errors';
import type { MigrationReport } from './migration-report';

/**
 * A migration that failed, or a migration run that cannot start (a failed migration left
 * unrepaired, a lock that never came free, a file that does not load). The message says which
 * migration, on which connection, which statement failed, and what had already been applied
 * (on a database without transactional DDL those statements stay applied).
 */
export class MigrationError extends ActiveRecordError {
  /** The migration's id (`20250101120000_add_email`), when one migration is at fault. */
  readonly migration?: string;
  readonly direction?: 'up' | 'down';
  /** The statement the database refused. */
  readonly statement?: string;
  /** Statements of the failed migration that ran before it (left applied unless `rolledBack`). */
  readonly appliedStatements: readonly string[];
  /** The migration's transaction was rolled back: nothing of it stayed. */
  readonly rolledBack: boolean;
  /** What happened on each connection of the run up to the failure. */
  report?: MigrationReport;

  constructor(
    message: string,
    context: ErrorContext & {
      migration?: string;
      direction?: 'up' | 'down';
      statement?: string;
      appliedStatements?: readonly string[];
      rolledBack?: boolean;
    } = {},
  ) {
    super(message, { ...context, sql: context.statement ?? context.sql });
    this.migration = context.migration;
    this.direction = context.direction;
    this.statement = context.statement;
    this.appliedStatements = context.appliedStatements ?? [];
    this.rolledBack = context.rolledBack ?? false;
  }
}
