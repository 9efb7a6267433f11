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
import { TooManyParametersError } from '../statement-limits';

/** The server's answer to a Bind message whose parameter count overflowed (a protocol violation, 08P01). */
const BIND_COUNT_MESSAGE = /^bind message (?:has|supplies) \d+ parameter/;

/** What an error message may name: the connection and where the server is (no credentials). */
export interface ErrorScope {
  readonly connection: string;
  /** `host:port/database`. */
  readonly target: string;
}

/** The fields of pg's DatabaseError this translation reads. */
interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** Node socket errors (and DNS failures) that mean the server cannot be reached or went away. */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** pg's own messages for a connection that ended or cannot be used. */
const CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Query read timeout|Connection terminated due to connection timeout|The server does not support SSL)/;

/**
 * SQLSTATEs that mean the session is gone or unusable: class 08 (connection exception), 57P01-03
 * (server shut down or restarting, backend terminated by pg_terminate_backend), 53300 (too many
 * connections), 3D000 (database does not exist), 28xxx (authentication), 57P05 (idle session
 * timeout), 25P03 (idle-in-transaction timeout: the server closed the session).
 */
function isConnectionState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('28') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '57P05' ||
    code === '53300' ||
    code === '3D000' ||
    code === '25P03'
  );
}

/**
 * A driver error as one of the library's errors, the original kept as `cause`. Messages name the
 * connection and the server's own message, never bound values: PostgreSQL's `detail` (which
 * repeats the offending row or key) stays on `cause`, and data-exception messages (class 22,
 * e.g. `invalid input syntax for type integer: "..."`) have their quoted value masked.
 */
export function translatePostgresError(error: unknown, scope: ErrorScope, sql?: string): Error {
  if (error instanceof ActiveRecordError) return error;
  const fields = (error ?? {}) as PgErrorFields;
  const code = typeof fields.code === 'string' ? fields.code : '';
  const constraint = typeof fields.constraint === 'string' ? fields.constraint : undefined;
  const raw = error instanceof Error ? error.message : String(error);
  const message = code.startsWith('22') ? maskQuotedValues(raw) : raw;
  const context = { connection: scope.connection, sql, cause: error };
  const where = `on connection '${scope.connection}'`;

  if (error instanceof TooManyParametersError || (code === '08P01' && BIND_COUNT_MESSAGE.test(raw))) {
    // The statement is wrong, not the connection: nothing was run, and the session is fine.
    return new QueryError(`Query failed ${where}: ${message}`, context);
  }
  if (SOCKET_CODES.has(code) || isConnectionState(code) || CONNECTION_MESSAGES.test(raw)) {
    return new ConnectionError(
      `Lost or could not use the connection to PostgreSQL at ${scope.target} ${where}: ${message}. ` +
        `A statement in flight may or may not have been applied; the next statement gets a fresh connection`,
      context,
    );
  }
  switch (code) {
    case '23505':
      return new UniqueConstraintError(`Unique constraint violated ${where}: ${message}`, { ...context, constraint });
    case '23503':
      return new ForeignKeyConstraintError(`Foreign key constraint violated ${where}: ${message}`, { ...context, constraint });
    case '23502':
      return new NotNullConstraintError(`Not-null constraint violated ${where}: ${message}`, { ...context, constraint });
    case '23514':
      return new CheckConstraintError(`Check constraint violated ${where}: ${message}`, { ...context, constraint });
    case '40P01':
      return new DeadlockError(
        `Deadlock ${where}: PostgreSQL rolled this transaction back to break it (${message}); run the transaction again`,
        context,
      );
    case '40001':
      return new SerializationError(
        `Serialization failure ${where}: a concurrent transaction changed the data this one read (${message}); ` +
          `run the transaction again`,
        context,
      );
    case '55P03':
      return new LockTimeoutError(`Lock not available ${where}: ${message} (lock_timeout or NOWAIT)`, context);
    case '57014':
      // lock_timeout reports 55P03 on current servers; a cancel that names the lock timeout is one too.
      if (/lock timeout/i.test(raw)) return new LockTimeoutError(`Lock wait timed out ${where}: ${message}`, context);
      return new QueryError(`Statement cancelled ${where}: ${message} (statement_timeout or a cancel request)`, context);
  }
  return new QueryError(`Query failed ${where}: ${message}${code ? ` (SQLSTATE ${code})` : ''}`, context);
}

/** `value "123456789012" is out of range` -> `value "…" is out of range`. */
function maskQuotedValues(message: string): string {
  return message.replace(/"(?:[^"]|"")*"/g, '"…"');
}
