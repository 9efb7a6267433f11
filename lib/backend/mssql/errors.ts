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
  TransactionError,
  UniqueConstraintError,
} from '../../errors';

/** mssql/tedious codes meaning the connection is gone or could not be made. */
const CONNECTION_CODES = new Set(['ESOCKET', 'ECONNRESET', 'ECONNCLOSED', 'ECONNREFUSED', 'ETIMEOUT', 'ELOGIN', 'EINSTLOOKUP', 'ENOTOPEN', 'ENOCONN', 'EPIPE']);

interface MssqlErrorShape {
  name?: string;
  code?: string;
  number?: number;
  message?: string;
  originalError?: { info?: { number?: number }; number?: number; code?: string };
}

/**
 * mssql's RequestError carries SQL Server's error `number`; its ConnectionError and
 * TransactionError a `code`. SQL Server messages often quote the offending value (a duplicate
 * key, a truncated string, a failed conversion): those parts are cut out, since values never go
 * into the library's messages (the original error stays as `cause`).
 */
export function translateMssqlError(error: unknown, connection: string, sql?: string): Error {
  if (error instanceof ActiveRecordError) return error;
  const shape = (error ?? {}) as MssqlErrorShape;
  const number = shape.number ?? shape.originalError?.info?.number ?? shape.originalError?.number;
  const code = shape.code ?? shape.originalError?.code;
  const detail = redactValues(messageOf(error));
  const context = { connection, sql, cause: error };
  const where = `on connection '${connection}'`;
  switch (number) {
    case 2627:
    case 2601:
      return new UniqueConstraintError(`Unique constraint violated ${where}: ${detail}`, { ...context, constraint: quotedName(detail) });
    case 547:
      // One number for foreign keys and checks; the message names which.
      if (/CHECK constraint/i.test(detail)) {
        return new CheckConstraintError(`Check constraint violated ${where}: ${detail}`, { ...context, constraint: quotedName(detail) });
      }
      return new ForeignKeyConstraintError(`Foreign key constraint violated ${where}: ${detail}`, { ...context, constraint: quotedName(detail) });
    case 515:
      return new NotNullConstraintError(`Not-null constraint violated ${where}: ${detail}`, context);
    case 1205:
      return new DeadlockError(`Deadlock ${where}: this transaction was chosen as the victim and rolled back; retry it`, context);
    case 1222:
      return new LockTimeoutError(`Timed out waiting for a lock ${where}: ${detail}`, context);
    case 3960:
      return new SerializationError(`Snapshot update conflict ${where}; retry the transaction: ${detail}`, context);
  }
  if (shape.name === 'ConnectionError' || (code !== undefined && CONNECTION_CODES.has(code))) {
    return new ConnectionError(`Connection '${connection}' to SQL Server failed: ${detail}`, context);
  }
  if (shape.name === 'TransactionError') {
    return new TransactionError(`Transaction failed ${where}: ${detail}`, context);
  }
  return new QueryError(`Query failed ${where}: ${detail}`, context);
}

/** Cut the parts of SQL Server messages that quote data. */
export function redactValues(message: string): string {
  return message
    .replace(/The duplicate key value is \(.*\)\.?/s, 'The duplicate key value is (redacted).')
    .replace(/Truncated value: '.*'\.?/s, 'Truncated value: (redacted).')
    .replace(/\b(converting|conversion of) the (\w+) value '.*?'/gs, '$1 the $2 value (redacted)');
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim();
}

/** "... constraint 'UQ__accounts__AB6E6164'. ..." or "... constraint \"FK_x\". ..." -> the name. */
function quotedName(message: string): string | undefined {
  return /(?:constraint|index) ["']([^"']+)["']/i.exec(message)?.[1];
}
