import {
  ActiveRecordError,
  CheckConstraintError,
  ConnectionError,
  DeadlockError,
  ForeignKeyConstraintError,
  LockTimeoutError,
  NotNullConstraintError,
  QueryError,
  SerializationError,
  UniqueConstraintError,
} from '../../errors';

/** The fields mysql2 puts on its errors (server errors carry errno/sqlState, socket errors a code). */
interface MysqlDriverError {
  message?: string;
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

/** Socket and protocol failures: the connection is gone, whatever the statement was. */
const CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Server errors that mean the session cannot be used (or never started): too many connections
 * (1040), bad handshake (1043), access denied (1044, 1045), unknown database (1049), shutdown
 * (1053), host blocked or not allowed (1129, 1130), aborted (1152, 1184), killed (MariaDB 1927),
 * client-side "server gone"/"lost" (2002, 2003, 2006, 2013, 2055), offline mode (3032),
 * disconnected for inactivity (MySQL 4031).
 */
const CONNECTION_ERRNOS = new Set([1040, 1043, 1044, 1045, 1049, 1053, 1129, 1130, 1152, 1184, 1927, 2002, 2003, 2006, 2013, 2055, 3032, 4031]);

/**
 * Translate a mysql2 error into the library's classes, by errno. Messages name the connection
 * and never carry bound values: MySQL quotes the offending value in a few messages
 * ("Duplicate entry 'x' for key ...", "Incorrect integer value: 'x' ..."), which are reworded
 * without it. The driver's error, unchanged, is the `cause`.
 */
export function translateMysqlError(error: unknown, connection: string, sql?: string): Error {
  if (error instanceof ActiveRecordError) return error;
  const driver = (error ?? {}) as MysqlDriverError;
  const errno = typeof driver.errno === 'number' ? driver.errno : undefined;
  const text = driver.sqlMessage ?? driver.message ?? String(error);
  const context = { connection, sql, cause: error };
  const where = `on connection '${connection}'`;

  if ((driver.code && CONNECTION_CODES.has(driver.code)) || (errno !== undefined && CONNECTION_ERRNOS.has(errno)) || driver.fatal === true) {
    const label = driver.code ?? `errno ${errno}`;
    return new ConnectionError(`Database connection failed ${where} (${label}: ${scrubValues(text)})`, context);
  }
  switch (errno) {
    case 1062: // ER_DUP_ENTRY
    case 1586: // ER_DUP_ENTRY_WITH_KEY_NAME
    case 1169: {
      // ER_DUP_UNIQUE
      const key = /for key '(.*)'\s*$/.exec(text)?.[1];
      return new UniqueConstraintError(
        `Unique constraint violated ${where}: a row with the same value already exists for key '${key ?? 'unknown'}'`,
        { ...context, constraint: key },
      );
    }
    case 1451: // ER_ROW_IS_REFERENCED_2
    case 1217: // ER_ROW_IS_REFERENCED
      return new ForeignKeyConstraintError(
        `Foreign key constraint violated ${where}: the row is still referenced by another table's rows${named(text)}`,
        { ...context, constraint: foreignKeyName(text) },
      );
    case 1452: // ER_NO_REFERENCED_ROW_2
    case 1216: // ER_NO_REFERENCED_ROW
      return new ForeignKeyConstraintError(
        `Foreign key constraint violated ${where}: the referenced row does not exist${named(text)}`,
        { ...context, constraint: foreignKeyName(text) },
      );
    case 1048: // ER_BAD_NULL_ERROR: "Column 'x' cannot be null"
    case 1364: // ER_NO_DEFAULT_FOR_FIELD: "Field 'x' doesn't have a default value"
    case 1263: // ER_WARN_NULL_TO_NOTNULL (strict multi-row insert)
      return new NotNullConstraintError(`Not-null constraint violated ${where}: ${text}`, {
        ...context,
        constraint: /(?:Column|Field) '(.*?)'/.exec(text)?.[1],
      });
    case 3819: // MySQL ER_CHECK_CONSTRAINT_VIOLATED: "Check constraint 'c' is violated."
    case 4025: // MariaDB ER_CONSTRAINT_FAILED: "CONSTRAINT `c` failed for `db`.`t`"
      return new CheckConstraintError(`Check constraint violated ${where}: ${text}`, {
        ...context,
        constraint: /onstraint [`'](.*?)[`']/i.exec(text)?.[1],
      });
    case 1213: // ER_LOCK_DEADLOCK: the server has rolled the whole transaction back
      return new DeadlockError(
        `Deadlock ${where}: the database rolled the transaction back to break it; run the transaction again`,
        context,
      );
    case 1205: // ER_LOCK_WAIT_TIMEOUT
    case 3572: // ER_LOCK_NOWAIT
      return new LockTimeoutError(
        `Lock wait timeout ${where}: another transaction held the rows too long (innodb_lock_wait_timeout); ` +
          `run the transaction again or shorten the other one`,
        context,
      );
    case 1020: // ER_CHECKREAD (MariaDB snapshot isolation): "Record has changed since last read"
      return new SerializationError(
        `Serialization failure ${where}: a row read by this transaction changed since; run the transaction again`,
        context,
      );
  }
  const code = errno !== undefined ? ` (errno ${errno}${driver.sqlState ? `, SQLSTATE ${driver.sqlState}` : ''})` : '';
  return new QueryError(`Query failed ${where}: ${scrubValues(text)}${code}`, context);
}

/** Messages that quote the value at fault: keep their shape, drop the value. */
function scrubValues(text: string): string {
  return text
    .replace(/Duplicate entry '.*' for key/s, 'Duplicate entry for key')
    .replace(/(Incorrect [\w ]+ value): '.*?'( for (?:column|function) )/s, '$1$2')
    .replace(/(Truncated incorrect [\w ]+ value): '.*'/s, '$1')
    .replace(/(Invalid JSON text[^:]*: ).*?( at position)/s, '$1(value omitted)$2');
}

function foreignKeyName(text: string): string | undefined {
  return /CONSTRAINT `((?:[^`]|``)*)`/.exec(text)?.[1]?.replace(/``/g, '`');
}

function named(text: string): string {
  const name = foreignKeyName(text);
  return name ? ` (constraint '${name}')` : '';
}
