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

/**
 * Codes that mean the session is gone or unusable (the session is destroyed, not reused):
 * ORA- network and instance errors, DPI- (Thick mode) and NJS- (Thin mode) connection errors.
 */
const CONNECTION_CODES = new Set([
  'ORA-01012', // not logged on
  'ORA-01017', // invalid username/password
  'ORA-01033', // initialization or shutdown in progress
  'ORA-01034', // not available
  'ORA-01089', // immediate shutdown in progress
  'ORA-01092', // instance terminated
  'ORA-02396', // exceeded maximum idle time
  'ORA-03113', // end-of-file on communication channel
  'ORA-03114', // not connected
  'ORA-03135', // connection lost contact
  'ORA-12170', 'ORA-12505', 'ORA-12514', 'ORA-12528', 'ORA-12537', 'ORA-12541', 'ORA-12543', 'ORA-12545',
  'ORA-28000', // account locked
  'ORA-28001', // password expired
  'DPI-1010', // not connected
  'DPI-1080', // connection was closed by ORA-%d
  'NJS-003', // invalid or closed connection
  'NJS-040', // connection request timeout (the pool had no free connection in time)
  'NJS-064', 'NJS-065', // pool closing / closed
  'NJS-500', // connection to the Oracle Database was broken
  'NJS-501', 'NJS-503', 'NJS-504', 'NJS-505', 'NJS-506', 'NJS-507', 'NJS-508',
  'NJS-510', 'NJS-511', 'NJS-513', 'NJS-521', 'NJS-530',
]);

/**
 * node-oracledb errors carry `code` ('ORA-00001', 'NJS-500') and `errorNum`. Messages keep only
 * the driver message's first line: Oracle 23ai appends ORA-03301 details that quote the row's
 * values, and values never go into the library's messages (the original stays as `cause`).
 */
export function translateOracleError(error: unknown, connection: string, sql?: string): Error {
  if (error instanceof ActiveRecordError) return error;
  const code = oracleErrorCode(error);
  const detail = firstLine(error);
  const context = { connection, sql, cause: error };
  const where = `on connection '${connection}'`;
  switch (code) {
    case 'ORA-00001':
      return new UniqueConstraintError(`Unique constraint violated ${where}: ${detail}`, { ...context, constraint: constraintName(detail) });
    case 'ORA-02291':
    case 'ORA-02292':
      return new ForeignKeyConstraintError(`Foreign key constraint violated ${where}: ${detail}`, {
        ...context,
        constraint: constraintName(detail),
      });
    case 'ORA-01400':
    case 'ORA-01407':
      return new NotNullConstraintError(
        `Not-null constraint violated ${where}: ${detail} (note: Oracle stores an empty string as NULL)`,
        context,
      );
    case 'ORA-02290':
      return new CheckConstraintError(`Check constraint violated ${where}: ${detail}`, { ...context, constraint: constraintName(detail) });
    case 'ORA-00060':
      return new DeadlockError(`Deadlock detected ${where}; the statement was rolled back, retry the transaction: ${detail}`, context);
    case 'ORA-08177':
      return new SerializationError(`Serialization failure ${where}; retry the transaction: ${detail}`, context);
    case 'ORA-00054':
    case 'ORA-30006':
    case 'ORA-04021':
      return new LockTimeoutError(`Timed out waiting for a lock ${where}: ${detail}`, context);
  }
  if (code !== undefined && CONNECTION_CODES.has(code)) {
    return new ConnectionError(`Connection '${connection}' to Oracle failed: ${detail}`, context);
  }
  return new QueryError(`Query failed ${where}: ${detail}`, context);
}

export function oracleErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const match = /^(ORA|NJS|DPI)-\d{3,5}/.exec(firstLine(error));
  return match?.[0];
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!.trim();
}

/** "ORA-00001: unique constraint (APP.SYS_C008) violated" -> "APP.SYS_C008" */
function constraintName(message: string): string | undefined {
  return /\(([^()]+)\)/.exec(message)?.[1];
}
