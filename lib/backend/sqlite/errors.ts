import {
  ConnectionError,
  ForeignKeyConstraintError,
  LockTimeoutError,
  NotNullConstraintError,
  QueryError,
  UniqueConstraintError,
  CheckConstraintError,
  ActiveRecordError,
} from '../../errors';

/** better-sqlite3 reports SQLite's extended result codes as `code`, e.g. SQLITE_CONSTRAINT_UNIQUE. */
export function translateSqliteError(error: unknown, connection: string, sql?: string): Error {
  if (error instanceof ActiveRecordError) return error;
  const code = (error as { code?: unknown })?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const context = { connection, sql, cause: error };
  const where = `on connection '${connection}'`;
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new UniqueConstraintError(`Unique constraint violated ${where}: ${detail}`, {
        ...context,
        constraint: constraintFrom(detail),
      });
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new ForeignKeyConstraintError(`Foreign key constraint violated ${where}: ${detail}`, context);
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new NotNullConstraintError(`Not-null constraint violated ${where}: ${detail}`, {
        ...context,
        constraint: constraintFrom(detail),
      });
    case 'SQLITE_CONSTRAINT_CHECK':
      return new CheckConstraintError(`Check constraint violated ${where}: ${detail}`, context);
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_LOCKED':
      return new LockTimeoutError(
        `The database file is locked by another connection or process ${where} (${detail}); ` +
          `raise busyTimeoutMs or shorten the other writer's transactions`,
        context,
      );
    case 'SQLITE_READONLY':
      return new QueryError(`Write refused ${where}: the database or the transaction is read-only (${detail})`, context);
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
    case 'SQLITE_IOERR':
      return new ConnectionError(`Cannot use the SQLite database ${where}: ${detail}`, context);
  }
  if (error instanceof TypeError && /database connection is not open/.test(detail)) {
    return new ConnectionError(`Connection '${connection}' is closed`, context);
  }
  return new QueryError(`Query failed ${where}: ${detail}`, context);
}

/** "UNIQUE constraint failed: users.email" -> "users.email" */
function constraintFrom(message: string): string | undefined {
  const match = /constraint failed: (.+)$/.exec(message);
  return match?.[1];
}
